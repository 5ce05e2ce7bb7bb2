package io.edgegate.shell.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;

/**
 * {@code edgegate:rotate-root <file>}: replaces the trust root with the next version. A {@link Function} of its
 * own, because Gogo maps command names to methods and a method cannot be called {@code rotate-root}.
 */
@Component(service = RotateRootCommand.class, property = {
    "osgi.command.scope=" + EdgegateCommands.SCOPE,
    "osgi.command.function=rotate-root"
})
public final class RotateRootCommand implements Function {
    static final String USAGE = "Usage: edgegate:rotate-root <trust-root.json>: installs the next trust root "
            + "(version N+1, signed by a threshold of the current root's keys and of its own).";
    private static final Logger LOG = LoggerFactory.getLogger(RotateRootCommand.class);

    private final AtomicReference<ArtifactVerifier> verifier = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindVerifier(ArtifactVerifier service) {
        verifier.set(service);
    }

    void unbindVerifier(ArtifactVerifier service) {
        verifier.compareAndSet(service, null);
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        if (arguments.size() != 1 || List.of("-h", "--help").contains(String.valueOf(arguments.get(0)))) {
            return USAGE;
        }
        return rotate(DeployCommands.resolve(session, String.valueOf(arguments.get(0))));
    }

    String rotate(Path file) {
        ArtifactVerifier v = verifier.get();
        if (v == null) {
            return DeployCommands.NO_VERIFIER;
        }
        if (!Files.isRegularFile(file)) {
            return "No trust root file " + file + ".";
        }
        try (InputStream in = Files.newInputStream(file)) {
            long version = v.rotateRoot(in);
            LOG.info("Trust root rotated to version {} from the shell ({})", version, file);
            return "Trust root rotated to version " + version + ".";
        } catch (VerificationException e) {
            return "Not rotated (" + e.reason() + "): " + DeployCommands.oneLine(e.getMessage());
        } catch (IOException e) {
            return "Cannot read " + file + ": " + DeployCommands.oneLine(e.getMessage());
        }
    }
}
