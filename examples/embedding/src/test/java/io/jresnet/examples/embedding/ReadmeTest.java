package io.jresnet.examples.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's code blocks are this project's code: each region between {@code readme:begin NAME}
 * and {@code readme:end} in the sources and the POM appears in the README as a fenced block,
 * verbatim (less the region's common indentation), and every {@code java} block of the README is one
 * of those regions.
 */
class ReadmeTest {
    private static final Path README = Path.of("../../README.md");
    private static final Pattern REGION = Pattern.compile(
            "[ \\t]*(?://|<!--) readme:begin (\\S+)(?: -->)?\\n(.*?)[ \\t]*(?://|<!--) readme:end", Pattern.DOTALL);
    private static final Pattern FENCE = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyRegionIsAReadmeBlock() throws IOException {
        List<String> readmeBlocks = blocks();
        Map<String, String> regions = regions();
        assertTrue(regions.keySet().containsAll(List.of("zoo", "onnx", "threads", "bom", "dependencies", "surefire",
                "fatjar")), "regions found: " + regions.keySet());
        regions.forEach((name, fenced) -> assertTrue(readmeBlocks.contains(fenced),
                "README.md lacks region '" + name + "' as a block:\n" + fenced));
    }

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledHere() throws IOException {
        List<String> javaRegions = regions().values().stream().filter(b -> b.startsWith("```java")).toList();
        List<String> javaBlocks = blocks().stream().filter(b -> b.startsWith("```java")).toList();
        assertFalse(javaBlocks.isEmpty());
        for (String block : javaBlocks) {
            assertTrue(javaRegions.contains(block), "README.md has a java block that no example compiles:\n" + block);
        }
        assertEquals(javaRegions.size(), javaBlocks.size());
    }

    /** The README's fenced blocks, fences included. */
    private static List<String> blocks() throws IOException {
        List<String> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(Files.readString(README));
        while (m.find()) blocks.add(m.group());
        return blocks;
    }

    /** Every region of the sources and the POM, by name, as the README's fenced block of it. */
    private static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            files = new ArrayList<>(s.filter(p -> p.toString().endsWith(".java")).sorted().toList());
        }
        files.add(Path.of("pom.xml"));
        for (Path file : files) {
            String language = file.toString().endsWith(".java") ? "java" : "xml";
            Matcher m = REGION.matcher(Files.readString(file));
            while (m.find()) {
                // Without its final line break, so that stripIndent does not count the empty last line.
                String body = m.group(2).substring(0, m.group(2).length() - 1).stripIndent();
                String previous = regions.put(m.group(1), "```" + language + "\n" + body + "\n```");
                assertEquals(null, previous, "two regions named " + m.group(1));
            }
        }
        return regions;
    }
}
