package dev.podshim.e2e.kubelet;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static pods of one kubelet run, all written at once so that they start together and each
 * test polls for what it checks. Images name registry.k8s.io, as real manifests do; podshim's
 * mirror serves them from the local registry. A grace period of 1 s keeps teardown short (a shell
 * as PID 1 ignores SIGTERM).
 */
final class SuitePods {
  static final String WEB = "web";
  static final String CRASH_LOOP = "crashloop";
  static final String INIT = "init";
  static final String HOST_NETWORK = "hostnet";
  static final String LIMITS = "limits";
  static final String OOM = "oom";
  static final String LOGS = "logs";
  /** Asks for one {@link TestDevicePlugin#RESOURCE}: kubelet hands it to podshim as a CDI device. */
  static final String CDI = "cdi";
  /** A pod in a user namespace of its own (hostUsers: false), writing to an emptyDir. */
  static final String USERNS = "userns";
  static final String USERNS_WRITTEN = "written-as-pod-root";
  /** Pods whose containers fill their writable layer, for removals that take a while. */
  static final List<String> CHURN = List.of("churn-1", "churn-2", "churn-3");
  static final int CHURN_FILES = 3000;
  /** A pod with the suite's image mounted as an image volume (KEP-4639), whole and by a sub path. */
  static final String IMAGE_VOLUME = "imagevolume";

  /** Pods whose containers run until the pod is removed, each with the names of its containers. */
  static final Map<String, List<String>> LONG_RUNNING = longRunning();

  private SuitePods() {}

  private static Map<String, List<String>> longRunning() {
    Map<String, List<String>> pods = new LinkedHashMap<>();
    pods.put(WEB, List.of("server", "client"));
    pods.put(INIT, List.of("main"));
    pods.put(HOST_NETWORK, List.of("server"));
    pods.put(LIMITS, List.of("limited"));
    pods.put(LOGS, List.of("chatty"));
    pods.put(CDI, List.of("dev"));
    pods.put(USERNS, List.of("main"));
    CHURN.forEach(name -> pods.put(name, List.of("a", "b")));
    pods.put(IMAGE_VOLUME, List.of("reader"));
    return Map.copyOf(pods);
  }

  /** Every manifest of the run, by file name. */
  static Map<String, String> all(String image, int hostNetworkPort, Path crashLoopStarts) {
    Map<String, String> pods = new LinkedHashMap<>();
    pods.put(WEB, web(image));
    pods.put(CRASH_LOOP, crashLoop(image, crashLoopStarts));
    pods.put(INIT, init(image));
    pods.put(HOST_NETWORK, hostNetwork(image, hostNetworkPort));
    pods.put(LIMITS, limits(image));
    pods.put(OOM, oom(image));
    pods.put(LOGS, logs(image));
    pods.put(CDI, cdi(image));
    pods.put(USERNS, userns(image));
    CHURN.forEach(name -> pods.put(name, churn(name, image)));
    pods.put(IMAGE_VOLUME, imageVolume(image));
    return pods;
  }

  /** A server and a client talking over the pod's localhost; an HTTP probe on one, an exec probe on the other. */
  static String web(String image) {
    return pod(WEB, """
          containers:
          - name: server
            image: %1$s
            command: [sh, -c, "mkdir -p /www && echo hello-over-localhost > /www/index.html && exec httpd -f -p 8080 -h /www"]
            readinessProbe:
              httpGet: {path: /index.html, port: 8080}
              periodSeconds: 1
          - name: client
            image: %1$s
            command: [sh, -c, "while true; do wget -q -O /tmp/got http://127.0.0.1:8080/index.html; sleep 1; done"]
            readinessProbe:
              exec: {command: [grep, -q, hello-over-localhost, /tmp/got]}
              periodSeconds: 1
        """.formatted(image));
  }

  /** Exits at once, every time; each start appends the node's uptime to a file on the host. */
  static String crashLoop(String image, Path starts) {
    return pod(CRASH_LOOP, """
          containers:
          - name: crash
            image: %s
            command: [sh, -c, "cat /proc/uptime >> /starts/uptimes; exit 1"]
            volumeMounts: [{name: starts, mountPath: /starts}]
          volumes:
          - name: starts
            hostPath: {path: %s, type: DirectoryOrCreate}
        """.formatted(image, starts));
  }

  /** The second init container sees what the first wrote, the main container what both did. */
  static String init(String image) {
    return pod(INIT, """
          initContainers:
          - name: first
            image: %1$s
            command: [sh, -c, "echo from-first > /shared/first"]
            volumeMounts: [{name: shared, mountPath: /shared}]
          - name: second
            image: %1$s
            command: [sh, -c, "test -f /shared/first && echo from-second > /shared/second"]
            volumeMounts: [{name: shared, mountPath: /shared}]
          containers:
          - name: main
            image: %1$s
            command: [sh, -c, "cat /shared/first /shared/second && exec sleep 3600"]
            volumeMounts: [{name: shared, mountPath: /shared}]
          volumes:
          - name: shared
            emptyDir: {}
        """.formatted(image));
  }

  static String hostNetwork(String image, int port) {
    return pod(HOST_NETWORK, """
          hostNetwork: true
          containers:
          - name: server
            image: %s
            command: [sh, -c, "mkdir -p /www && echo hello-from-host-network > /www/index.html && exec httpd -f -p 127.0.0.1:%d -h /www"]
        """.formatted(image, port));
  }

  static String limits(String image) {
    return pod(LIMITS, """
          containers:
          - name: limited
            image: %s
            command: [sleep, "3600"]
            resources: {limits: {cpu: 250m, memory: 64Mi}}
        """.formatted(image));
  }

  /** dd's 100 MiB buffer is filled from /dev/zero under a 20 MiB limit: the kernel kills it. */
  static String oom(String image) {
    return pod(OOM, """
          restartPolicy: Never
          containers:
          - name: hog
            image: %s
            command: [dd, if=/dev/zero, of=/dev/null, bs=100M, count=1]
            resources: {limits: {memory: 20Mi}}
        """.formatted(image));
  }

  /** ~5 KB/s of output: past containerLogMaxSize (1Ki) at every one of kubelet's checks. */
  static String logs(String image) {
    return pod(LOGS, """
          containers:
          - name: chatty
            image: %s
            command: [sh, -c, "n=0; while true; do n=$((n+1)); for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$n-$i-padding-padding-padding; done; sleep 0.1; done"]
        """.formatted(image));
  }

  /** A device-plugin resource: the container gets its CDI device (node, env, mount) from podshim. */
  static String cdi(String image) {
    return pod(CDI, """
          containers:
          - name: dev
            image: %s
            command: [sleep, "3600"]
            resources: {limits: {%s: 1}}
        """.formatted(image, TestDevicePlugin.RESOURCE));
  }

  /** Root in its own user namespace: writes to an emptyDir as the pod's root, then waits. */
  static String userns(String image) {
    return pod(USERNS, """
          hostUsers: false
          containers:
          - name: main
            image: %s
            command: [sh, -c, "echo %s > /scratch/file && id -u >> /scratch/file && exec sleep 3600"]
            volumeMounts: [{name: scratch, mountPath: /scratch}]
          volumes:
          - name: scratch
            emptyDir: {}
        """.formatted(image, USERNS_WRITTEN));
  }

  /** Two containers that write a few thousand files into their writable layers, then wait. */
  static String churn(String name, String image) {
    String fill = "mkdir /junk && for i in $(seq " + CHURN_FILES + "); do echo $i > /junk/f$i; done && touch /written && exec sleep 3600";
    return pod(name, """
          containers:
          - name: a
            image: %1$s
            command: [sh, -c, "%2$s"]
            readinessProbe: {exec: {command: [test, -f, /written]}, periodSeconds: 1}
          - name: b
            image: %1$s
            command: [sh, -c, "%2$s"]
            readinessProbe: {exec: {command: [test, -f, /written]}, periodSeconds: 1}
        """.formatted(image, fill));
  }

  /**
   * Reads a file of the image from its image volume, tries to write there, and lists the image's
   * /home through a second mount of the volume with a sub path; then waits.
   */
  static String imageVolume(String image) {
    return pod(IMAGE_VOLUME, """
          containers:
          - name: reader
            image: %1$s
            command: [sh, -c, "cat /data/etc/passwd; if touch /data/x 2>/dev/null; then echo volume-writable; else echo volume-read-only; fi; echo sub-path: $(ls /sub); exec sleep 3600"]
            volumeMounts:
            - {name: data, mountPath: /data}
            - {name: data, mountPath: /sub, subPath: home}
          volumes:
          - name: data
            image: {reference: %1$s, pullPolicy: IfNotPresent}
        """.formatted(image));
  }

  private static String pod(String name, String spec) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: default
        spec:
          terminationGracePeriodSeconds: 1
        %s""".formatted(name, spec);
  }
}
