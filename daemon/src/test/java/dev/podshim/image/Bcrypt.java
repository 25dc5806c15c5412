package dev.podshim.image;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.security.SecureRandom;

/** bcrypt hashes for htpasswd files, from libxcrypt's crypt(3) (libcrypt1, always on Debian). */
final class Bcrypt {
  private static final String ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private Bcrypt() {}

  static synchronized String hash(String password) {
    StringBuilder salt = new StringBuilder("$2b$05$");
    SecureRandom r = new SecureRandom();
    for (int i = 0; i < 22; i++) {
      salt.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    Arena global = Arena.global();
    Linker linker = Linker.nativeLinker();
    SymbolLookup lib = SymbolLookup.libraryLookup("libcrypt.so.1", global);
    MethodHandle crypt = linker.downcallHandle(lib.find("crypt").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = (MemorySegment) crypt.invokeExact(arena.allocateFrom(password), arena.allocateFrom(salt.toString()));
      String h = out.reinterpret(256).getString(0);
      if (!h.startsWith("$2b$")) {
        throw new IllegalStateException("crypt(3) did not produce bcrypt: " + h);
      }
      return h;
    } catch (Throwable t) {
      throw new IllegalStateException("bcrypt via libcrypt.so.1 (install libcrypt1): " + t, t);
    }
  }
}
