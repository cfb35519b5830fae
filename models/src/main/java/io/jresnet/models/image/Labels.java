package io.jresnet.models.image;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Class names, one per line, line i naming class i. Built in: imagenet (1000), cifar10, fashion-mnist. */
public final class Labels {
    private Labels() {}

    /**
     * {@return a built-in list by name, or the lines of a text file by path}
     *
     * @param nameOrFile {@code imagenet}, {@code cifar10}, {@code fashion-mnist}, or a file's path
     * @throws io.jresnet.JResnetException if the file cannot be read
     */
    public static List<String> load(String nameOrFile) {
        String res = switch (nameOrFile.toLowerCase(Locale.ROOT)) {
            case "imagenet", "imagenet1k", "imagenet-1k" -> "imagenet.txt";
            case "cifar10", "cifar" -> "cifar10.txt";
            case "fashion-mnist", "fashion" -> "fashion-mnist.txt";
            default -> null;
        };
        if (res != null) {
            try (InputStream in = Labels.class.getResourceAsStream("/io/jresnet/models/labels/" + res)) {
                if (in == null) throw new JResnetException("label resource " + res + " is missing from the jar");
                return lines(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new JResnetException("cannot read label resource " + res, e);
            }
        }
        Path file = Path.of(nameOrFile);
        try {
            return lines(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw FormatException.in(file, "cannot read labels (" + e.getMessage() + "); built-in lists: imagenet, cifar10, fashion-mnist");
        }
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
