package dev.podshim;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.podshim.config.ConfigException;
import dev.podshim.config.ConfigLoader;
import dev.podshim.config.DaemonConfig;
import dev.podshim.image.ImagesCommand;
import dev.podshim.os.NativeHeap;
import dev.podshim.os.Prctl;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** podshimd: the CRI runtime daemon. Exits 0 on SIGTERM/SIGINT after a clean shutdown. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> argv = Arrays.asList(args);
    if (!argv.isEmpty() && argv.getFirst().equals("images")) {
      System.exit(images(argv.subList(1, argv.size())));
      return;
    }
    if (argv.equals(List.of("aot-train"))) {
      setLogLevel("warn");
      System.exit(AotTraining.run());
      return;
    }
    if (argv.contains("--version") || argv.contains("-v")) {
      System.out.println("podshimd " + Version.current());
      return;
    }
    if (argv.contains("--help") || argv.contains("-h")) {
      System.out.println(ConfigLoader.usage());
      return;
    }
    // logback's set-up and the first native calls (≈ 50 and 40 ms: the FFM linker's own set-up) need
    // nothing from the config; they run while the file is parsed. Daemon.start sets the subreaper
    // again, which then costs a syscall. glibc's mmap threshold is fixed before the daemon's threads malloc much.
    Thread logging = Thread.ofPlatform().name("log-setup").start(LoggerFactory::getILoggerFactory);
    Thread.ofPlatform().daemon().name("subreaper").start(Main::becomeSubreaper);
    DaemonConfig config;
    try {
      config = new ConfigLoader().load(argv);
    } catch (ConfigException e) {
      System.err.println("podshimd: " + e.getMessage());
      System.exit(2);
      return;
    }
    logging.join();
    setLogLevel(config.logLevel());
    Logger log = LoggerFactory.getLogger(Main.class);

    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());
    Daemon daemon = new Daemon(config);
    try {
      daemon.start();
    } catch (StateRootLock.InUseException e) {
      // nothing was started, so nothing to close: the other daemon's socket and state are untouched
      System.err.println("podshimd: " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      log.error("start-up failed: {}", e.getMessage(), e);
      daemon.close();
      System.exit(1);
    }
    stop.await();
    log.info("signal received; shutting down");
    daemon.close();
    System.exit(0);
  }

  private static void becomeSubreaper() {
    NativeHeap.fixMmapThreshold();
    try {
      Prctl.setChildSubreaper();
    } catch (RuntimeException e) {
      // Daemon.start sets it again and reports a failure
    }
  }

  /** {@code podshimd [flags] images import|list|remove ...}: the image store without a daemon. */
  private static int images(List<String> rest) {
    int operand = ImagesCommand.firstOperand(rest);
    try {
      DaemonConfig config = new ConfigLoader().load(rest.subList(0, operand));
      return ImagesCommand.run(rest.subList(operand, rest.size()), config);
    } catch (ConfigException e) {
      System.err.println("podshimd: " + e.getMessage());
      return 2;
    }
  }

  private static void setLogLevel(String level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
  }
}
