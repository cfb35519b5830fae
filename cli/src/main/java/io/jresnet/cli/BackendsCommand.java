package io.jresnet.cli;

import io.jresnet.backend.Backends;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jresnet backends}: every provider on the class path and whether it can run here. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List every backend: name, priority, availability (or why not) and device.")
final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Backends.Status> all = Backends.list();
        out.printf(Locale.ROOT, "%-12s %8s  %-11s %s%n", "backend", "priority", "status", "device / reason");
        for (Backends.Status s : all) {
            boolean ok = s.availability().available();
            out.printf(Locale.ROOT, "%-12s %8s  %-11s %s%n", s.name(), s.provider() == null ? "-" : s.priority(),
                    ok ? "available" : "unavailable",
                    ok ? s.availability().device() : s.availability().reason());
        }
        String chosen = Backends.configuredName();
        out.println(chosen != null ? "selected by " + Backends.PROPERTY + "/" + Backends.ENVIRONMENT + ": " + chosen
                : "default: " + all.stream().filter(s -> s.availability().available()).map(Backends.Status::name)
                        .findFirst().orElse("none available"));
        out.flush();
        return 0;
    }
}
