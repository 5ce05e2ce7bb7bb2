package io.edgegate.inference;

import java.util.List;

/**
 * An accelerator provider as the inference service sees it.
 *
 * @param id the provider's id, e.g. {@code "cpu"}
 * @param ranking its service ranking; higher wins
 * @param available whether it can configure sessions now
 * @param devices the devices it runs on
 * @param versions how many model versions it serves now
 */
public record ProviderStatus(String id, int ranking, boolean available, List<String> devices, int versions) {
    public ProviderStatus {
        devices = List.copyOf(devices);
    }
}
