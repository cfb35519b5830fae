package io.jresnet.gpu;

import io.jresnet.BackendException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel program text, read from the resources in {@code io/jresnet/gpu/kernels}. The entry
 * files ({@code jresnet.cl}, {@code jresnet.cu}) {@code #include} the shared header and the kernel
 * families; the includes are expanded here so each compiler gets one self-contained source and no
 * include path (the resources live in a jar).
 */
public final class KernelSources {
    public static final String OPENCL_ENTRY = "jresnet.cl";
    public static final String CUDA_ENTRY = "jresnet.cu";
    private static final String DIR = "kernels/";
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$", Pattern.MULTILINE);

    private KernelSources() {}

    /** The entry file with every {@code #include "name"} replaced by that resource, each included once. */
    public static String expand(String entry) {
        return expand(entry, new HashSet<>());
    }

    private static String expand(String name, Set<String> seen) {
        if (!seen.add(name)) return "";
        String text = read(name);
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(expand(m.group(1), seen)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** One kernel resource as text. */
    public static String read(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new BackendException("kernel source " + DIR + name + " is missing from the jresnet-backend-gpu jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendException("cannot read kernel source " + DIR + name + ": " + e.getMessage(), e);
        }
    }
}
