package io.jresnet.models.batch;

import io.jresnet.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The images of a batch job: a folder walked recursively, or a list file naming one image per line. */
public final class ImageFiles {
    /** The file name endings taken as images, any case: {@value #DESCRIPTION}. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");
    static final String DESCRIPTION = "jpg, jpeg, png, bmp, gif";

    private ImageFiles() {}

    /**
     * {@return the images to classify, in a stable order}
     * A folder gives every file below it whose name ends in one of {@link #EXTENSIONS}, sorted by path
     * (hidden files and folders, whose names start with a dot, are left out). Any other file is a list:
     * one path per line, relative to the list's folder unless absolute, blank lines and lines starting
     * with {@code #} skipped, in the list's order; whether each is a readable image is found out when
     * it is decoded.
     *
     * @param input a folder or a list file
     * @throws NoSuchFileException if {@code input} does not exist
     * @throws IOException if a folder cannot be walked or the list read
     */
    public static List<Path> find(Path input) throws IOException {
        if (!Files.exists(input)) throw new NoSuchFileException(input.toString());
        if (Files.isDirectory(input)) {
            try (Stream<Path> files = Files.walk(input)) {
                return files.filter(Files::isRegularFile).filter(p -> !hidden(input, p)).filter(ImageFiles::isImage)
                        .sorted().toList();
            }
        }
        List<Path> out = new ArrayList<>();
        Path base = input.toAbsolutePath().getParent();
        int lineNo = 0;
        for (String line : Files.readAllLines(input, StandardCharsets.UTF_8)) {
            lineNo++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            try {
                Path p = Path.of(s);
                out.add(p.isAbsolute() ? p : base.resolve(p));
            } catch (java.nio.file.InvalidPathException e) {
                throw FormatException.in(input, "line " + lineNo + ": '" + s + "' is not a path");
            }
        }
        return out;
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1));
    }

    private static boolean hidden(Path root, Path p) {
        for (Path part : root.relativize(p)) if (part.toString().startsWith(".")) return true;
        return false;
    }
}
