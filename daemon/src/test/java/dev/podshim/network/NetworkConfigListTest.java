package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class NetworkConfigListTest {
  @Test
  void defaultNetworkIsABridgeWithHostLocalAndPortmapAtCni100() {
    NetworkConfigList list = NetworkConfigList.parse(DefaultNetwork.conflist("10.88.0.0/16", Path.of("/var/lib/podshim/cni/ipam")));

    assertThat(list.name()).isEqualTo("podshim");
    assertThat(list.cniVersion()).isEqualTo("1.0.0");
    assertThat(list.executables()).containsExactly("bridge", "host-local", "portmap");
    ObjectNode bridge = list.plugins().getFirst();
    assertThat(bridge.get("bridge").asText()).isEqualTo("podshim0");
    assertThat(bridge.get("isGateway").asBoolean()).isTrue();
    assertThat(bridge.get("ipMasq").asBoolean()).isTrue();
    assertThat(bridge.get("hairpinMode").asBoolean()).isTrue();
    assertThat(bridge.at("/ipam/ranges/0/0/subnet").asText()).isEqualTo("10.88.0.0/16");
    assertThat(bridge.at("/ipam/routes/0/dst").asText()).isEqualTo("0.0.0.0/0");
    assertThat(bridge.at("/ipam/dataDir").asText()).isEqualTo("/var/lib/podshim/cni/ipam");
    assertThat(list.plugins().get(1).at("/capabilities/portMappings").asBoolean()).isTrue();
  }

  @Test
  void aSinglePluginConfIsWrappedIntoAList() {
    NetworkConfigList list = NetworkConfigList.parse("""
        {"cniVersion":"0.4.0","name":"single","type":"bridge","bridge":"b0","ipam":{"type":"host-local","subnet":"10.5.0.0/16"}}""");

    assertThat(list.name()).isEqualTo("single");
    assertThat(list.cniVersion()).isEqualTo("0.4.0");
    assertThat(list.plugins()).hasSize(1);
    assertThat(list.executables()).containsExactly("bridge", "host-local");
    assertThat(NetworkConfigList.parse(list.json())).isEqualTo(list);
  }

  @Test
  void requestConfigCarriesNameVersionDeclaredRuntimeConfigAndPrevResult() {
    NetworkConfigList list = NetworkConfigList.parse("""
        {"cniVersion":"1.0.0","name":"n","plugins":[
          {"type":"bridge"},
          {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false}}]}""");
    ObjectNode args = Json.object("""
        {"portMappings":[{"hostPort":80,"containerPort":8080,"protocol":"tcp"}],"bandwidth":{"ingressRate":1000}}""", "args");
    ObjectNode prev = Json.object("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", "prev");

    ObjectNode first = list.requestConfig(0, args, null);
    ObjectNode second = list.requestConfig(1, args, prev);

    assertThat(first.get("name").asText()).isEqualTo("n");
    assertThat(first.get("cniVersion").asText()).isEqualTo("1.0.0");
    assertThat(first.has("runtimeConfig")).isFalse();
    assertThat(first.has("prevResult")).isFalse();
    assertThat(second.get("runtimeConfig").fieldNames()).toIterable().containsExactly("portMappings");
    assertThat(second.at("/runtimeConfig/portMappings/0/hostPort").asInt()).isEqualTo(80);
    assertThat(second.has("capabilities")).isFalse();
    assertThat(second.get("prevResult")).isEqualTo(prev);
    assertThat(list.plugins().get(1).has("capabilities")).isTrue(); // the list itself is untouched
  }

  @Test
  void cniVersionsPicksTheNewestSupported() {
    NetworkConfigList list = NetworkConfigList.parse("""
        {"cniVersion":"0.3.1","cniVersions":["0.4.0","1.0.0","9.9.9"],"name":"n","plugins":[{"type":"bridge"}]}""");
    assertThat(list.cniVersion()).isEqualTo("1.0.0");
    assertThat(list.hasCheck()).isTrue();
    assertThat(NetworkConfigList.parse("{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"plugins\":[{\"type\":\"x\"}]}").hasCheck()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not json | config is not JSON",
      "[] | config is not a JSON object",
      "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"bridge\"}]} | missing \"name\"",
      "{\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]} | missing \"cniVersion\"",
      "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]} | cniVersion \"0.2.0\" is not supported",
      "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]} | \"plugins\" must be a non-empty array",
      "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"bridge\":\"b\"}]} | plugins[0]: missing \"type\"",
      "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"../../bin/sh\"}]} | is not a plugin name",
      "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\",\"ipam\":{\"type\":\"a/b\"}}]} | plugins[0].ipam: type \"a/b\"",
      "{\"cniVersion\":\"1.0.0\",\"name\":\"-bad\",\"plugins\":[{\"type\":\"bridge\"}]} | name \"-bad\" must start",
  })
  void invalidConfigsSayWhatIsWrong(String json, String message) {
    assertThatThrownBy(() -> NetworkConfigList.parse(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource({"0.3.1, 0.4.0, -1", "1.0.0, 0.4.0, 1", "1.0.0, 1.0.0, 0", "1.1.0, 1.0.0, 1", "0.10.0, 0.9.0, 1"})
  void versionsCompareNumerically(String a, String b, int sign) {
    assertThat(Integer.signum(NetworkConfigList.compareVersions(a, b))).isEqualTo(sign);
  }
}
