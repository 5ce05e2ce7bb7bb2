package io.edgegate.trust.format;

import java.util.List;

/**
 * Where a manifest may be installed. An empty list means any.
 *
 * @param gateways gateway ids
 * @param hardware hardware classes, {@code <os>-<arch>} such as {@code linux-x86_64}
 */
public record Targets(List<String> gateways, List<String> hardware) {
    /** Any gateway, any hardware. */
    public static final Targets ANY = new Targets(List.of(), List.of());

    public Targets {
        gateways = List.copyOf(gateways);
        hardware = List.copyOf(hardware);
    }

    public boolean allowsGateway(String gatewayId) {
        return gateways.isEmpty() || gateways.contains(gatewayId);
    }

    public boolean allowsHardware(String hardwareClass) {
        return hardware.isEmpty() || hardware.contains(hardwareClass);
    }
}
