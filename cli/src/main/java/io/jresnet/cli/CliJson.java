package io.jresnet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The JSON writer of the commands that print JSON, indented for humans. Made on first use, not when
 * the CLI starts: setting up Jackson costs about 0.1 s, which {@code --help} and the commands that
 * print no JSON should not pay.
 */
final class CliJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CliJson() {}

    /** {@return the shared writer} */
    static ObjectMapper mapper() {
        return MAPPER;
    }
}
