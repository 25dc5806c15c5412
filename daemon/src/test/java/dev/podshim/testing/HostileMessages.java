package dev.podshim.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;

/** Requests as a hostile client builds them, for any CRI method's input type. */
public final class HostileMessages {
  private static final String HUGE = "x".repeat(1 << 20);
  /** Deep enough for every CRI request; the recursion stops there. */
  private static final int MAX_DEPTH = 4;

  private HostileMessages() {}

  /**
   * A message whose every field is set (the first of a oneof, lists and maps with one entry):
   * strings and bytes 1 MiB, numbers at their maximum and enums at their last value; with {@code
   * negative}, numbers -1, strings a path out of any directory ending in NUL, enums the first value.
   */
  public static Message everyFieldSet(Descriptor type, boolean negative) {
    return fill(type, 0, negative);
  }

  private static Message fill(Descriptor type, int depth, boolean negative) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    if (depth > MAX_DEPTH) {
      return b.build();
    }
    for (FieldDescriptor f : type.getFields()) {
      if (f.getRealContainingOneof() != null && b.hasOneof(f.getRealContainingOneof())) {
        continue;
      }
      Object value = switch (f.getJavaType()) {
        case STRING -> negative ? "../../../etc/passwd\0" : HUGE;
        case BYTE_STRING -> ByteString.copyFromUtf8(negative ? "\0\0" : HUGE);
        case INT -> negative ? -1 : Integer.MAX_VALUE;
        case LONG -> negative ? -1L : Long.MAX_VALUE;
        case FLOAT -> negative ? -1f : Float.MAX_VALUE;
        case DOUBLE -> negative ? -1d : Double.MAX_VALUE;
        case BOOLEAN -> true;
        case ENUM -> negative ? f.getEnumType().getValues().getFirst() : f.getEnumType().getValues().getLast();
        case MESSAGE -> fill(f.getMessageType(), depth + 1, negative);
      };
      if (f.isRepeated()) {
        b.addRepeatedField(f, value);
      } else {
        b.setField(f, value);
      }
    }
    return b.build();
  }
}
