package dev.podshim.sandbox;

import java.util.List;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusMemberName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.Variant;

/**
 * The one method of systemd's {@code org.freedesktop.systemd1.Manager} podshim calls. Public only
 * because dbus-java builds a proxy of it and reads its argument structs by reflection.
 */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface SystemdManager extends DBusInterface {
  /** {@code StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) -> o job}. */
  @DBusMemberName("StartTransientUnit")
  DBusPath startTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux);

  /** A unit property: {@code (sv)}. */
  final class Property extends Struct {
    @Position(0)
    public final String name;
    @Position(1)
    public final Variant<?> value;

    public Property(String name, Variant<?> value) {
      this.name = name;
      this.value = value;
    }
  }

  /** An auxiliary unit started along with the first: {@code (sa(sv))}; podshim sends none. */
  final class AuxUnit extends Struct {
    @Position(0)
    public final String name;
    @Position(1)
    public final List<Property> properties;

    public AuxUnit(String name, List<Property> properties) {
      this.name = name;
      this.properties = properties;
    }
  }
}
