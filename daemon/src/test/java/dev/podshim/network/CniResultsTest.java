package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CniResultsTest {
  @Test
  void v1ResultGivesSandboxIpsIpv4First() {
    String result = """
        {"cniVersion":"1.0.0",
         "interfaces":[{"name":"cni0","mac":"aa:bb:cc:dd:ee:00"},
                       {"name":"veth1","mac":"aa:bb:cc:dd:ee:01"},
                       {"name":"eth0","mac":"aa:bb:cc:dd:ee:02","sandbox":"/run/netns/x"}],
         "ips":[{"address":"fd00:10::5/64","gateway":"fd00:10::1","interface":2},
                {"address":"10.1.0.5/16","gateway":"10.1.0.1","interface":2},
                {"address":"10.1.0.1/16","interface":0},
                {"address":"10.2.0.7/24","interface":2}],
         "routes":[{"dst":"0.0.0.0/0"}]}""";

    assertThat(CniResults.podIps(CniResults.parse(result))).containsExactly("10.1.0.5", "10.2.0.7", "fd00:10::5");
  }

  @Test
  void v04AndV031ResultsAreRead() {
    for (String version : new String[] {"0.4.0", "0.3.1", "0.3.0"}) {
      String result = """
          {"cniVersion":"%s","interfaces":[{"name":"eth0","sandbox":"/proc/1/ns/net"}],
           "ips":[{"version":"4","address":"192.168.5.9/24","gateway":"192.168.5.1","interface":0}]}"""
          .formatted(version);
      assertThat(CniResults.podIps(CniResults.parse(result))).containsExactly("192.168.5.9");
    }
  }

  @Test
  void ipsWithoutAnInterfaceAreThePods() {
    assertThat(CniResults.podIps(CniResults.parse("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.9.9/8\"}]}")))
        .containsExactly("10.9.9.9");
  }

  @Test
  void badResultsAreRefused() {
    assertThatThrownBy(() -> CniResults.parse("")).hasMessageContaining("no result");
    assertThatThrownBy(() -> CniResults.parse("not json")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> CniResults.parse("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.0.0.2/8\"}}"))
        .hasMessageContaining("0.2.0");
    assertThatThrownBy(() -> CniResults.podIps(CniResults.parse("{\"ips\":[{\"address\":\"nope/8\"}]}")))
        .hasMessageContaining("\"nope/8\" is not an IP address");
  }
}
