package dev.podshim.container;

import java.util.BitSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Linux list of CPUs or memory nodes ("0-3,7"), as cpuset files and {@code
 * /sys/devices/system/{cpu,node}/online} write it.
 */
public final class CpuList {
  private static final Pattern LIST = Pattern.compile("[0-9]{1,7}(-[0-9]{1,7})?(,[0-9]{1,7}(-[0-9]{1,7})?)*");
  private static final Pattern RANGE = Pattern.compile("([0-9]+)(?:-([0-9]+))?");

  /** The kernel's largest NR_CPUS: ids from here on are only remembered, not stored, so "0-9999999" costs no memory. */
  private static final int MAX_ID = 8192;

  private final BitSet ids;
  /** The smallest listed id of {@value #MAX_ID} or more; -1 when there is none. */
  private final int beyond;
  private final String text;

  private CpuList(BitSet ids, int beyond, String text) {
    this.ids = ids;
    this.beyond = beyond;
    this.text = text;
  }

  /** The list, or null when {@code text} is not one. */
  static @Nullable CpuList parse(String text) {
    if (!LIST.matcher(text).matches()) {
      return null;
    }
    BitSet ids = new BitSet();
    int beyond = -1;
    Matcher m = RANGE.matcher(text);
    while (m.find()) {
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      if (to < from) {
        return null;
      }
      if (from < MAX_ID) {
        ids.set(from, Math.min(to, MAX_ID - 1) + 1);
      }
      if (to >= MAX_ID) {
        int first = Math.max(from, MAX_ID);
        beyond = beyond < 0 ? first : Math.min(beyond, first);
      }
    }
    return new CpuList(ids, beyond, text);
  }

  /** The first id of {@code requested} this list lacks, or -1 when it has them all. */
  int firstMissingOf(CpuList requested) {
    BitSet missing = (BitSet) requested.ids.clone();
    missing.andNot(ids);
    int first = missing.nextSetBit(0);
    return first >= 0 ? first : requested.beyond;
  }

  @Override
  public String toString() {
    return text;
  }
}
