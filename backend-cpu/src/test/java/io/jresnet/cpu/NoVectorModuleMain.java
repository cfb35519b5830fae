package io.jresnet.cpu;

import io.jresnet.backend.Backends;

/** Child-JVM entry point for {@link ProviderTest}: lists providers and selects one. */
public final class NoVectorModuleMain {
    private NoVectorModuleMain() {}

    public static void main(String[] args) {
        for (Backends.Status s : Backends.list()) {
            System.out.println(s.name() + " available=" + s.availability().available() + " reason="
                    + s.availability().reason());
        }
        System.out.println("selected=" + Backends.select(null).name());
    }
}
