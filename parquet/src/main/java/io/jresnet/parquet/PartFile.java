package io.jresnet.parquet;

import io.jresnet.FormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;

/**
 * What resuming a job needs from one finished part file: its footer (schema and key-value metadata)
 * and the values of its {@code path} column.
 *
 * <p>parquet-java's readers cannot be used here: every one of them builds its options through
 * Hadoop classes ({@code ParquetReadOptions.Builder} calls {@code ParquetInputFormat}), and Hadoop is
 * not on a jresnet user's class path. So this reads the format directly, for the files
 * {@link ParquetResults} writes: the footer is {@code <FileMetaData (Thrift)> <length: int32 LE> PAR1}
 * at the end of the file, parsed by parquet-format's Thrift classes; the {@code path} column is
 * written uncompressed, without a dictionary, in version-1 data pages, so each page is a Thrift
 * {@code PageHeader} followed by its values as PLAIN byte arrays ({@code <length: int32 LE> <UTF-8
 * bytes>}); a required top-level column has no repetition or definition levels. Anything else is
 * not a part this library wrote, and is refused with a {@link FormatException}.
 */
final class PartFile {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    private final FileMetaData meta;
    private final List<BlockMetaData> rowGroups;

    private PartFile(Path file, FileMetaData meta, List<BlockMetaData> rowGroups) {
        this.file = file;
        this.meta = meta;
        this.rowGroups = rowGroups;
    }

    /**
     * Reads a part's footer.
     *
     * @param file a Parquet file
     * @return its footer
     * @throws FormatException naming the file when it is not Parquet or its footer cannot be parsed
     * @throws IOException if it cannot be read
     */
    static PartFile open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 12 || !startsWithMagic(read(ch, 0, 4))) throw FormatException.in(file, "is not a Parquet file");
            ByteBuffer tail = read(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int footerLength = tail.getInt();
            byte[] magic = new byte[4];
            tail.get(magic);
            if (!startsWithMagic(ByteBuffer.wrap(magic)) || footerLength <= 0 || footerLength > size - 12) {
                throw FormatException.in(file, "is not a finished Parquet file (no footer)");
            }
            ByteBuffer footer = read(ch, size - 8 - footerLength, footerLength);
            try {
                var parsed = new ParquetMetadataConverter().fromParquetMetadata(
                        Util.readFileMetaData(new ByteArrayInputStream(footer.array())));
                return new PartFile(file, parsed.getFileMetaData(), parsed.getBlocks());
            } catch (IOException | RuntimeException e) {
                throw FormatException.in(file, "has a Parquet footer that cannot be parsed: " + e.getMessage());
            }
        }
    }

    /** {@return the file's schema and key-value metadata} */
    FileMetaData metadata() {
        return meta;
    }

    /**
     * Reads the {@code path} column.
     *
     * @return every row's path, in order
     * @throws FormatException naming the file when the column is not laid out as {@link ParquetResults}
     *     writes it
     * @throws IOException if the file cannot be read
     */
    List<String> paths() throws IOException {
        List<String> paths = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (BlockMetaData group : rowGroups) {
                ColumnChunkMetaData column = group.getColumns().stream()
                        .filter(c -> c.getPath().toDotString().equals("path")).findFirst()
                        .orElseThrow(() -> FormatException.in(file, "has no path column"));
                if (column.getCodec() != CompressionCodecName.UNCOMPRESSED || column.getDictionaryPageOffset() > 0
                        || column.getTotalSize() > Integer.MAX_VALUE) {
                    throw notOurs("its path column is compressed or dictionary-encoded");
                }
                ByteBuffer chunk = read(ch, column.getStartingPos(), (int) column.getTotalSize());
                long before = paths.size();
                ByteArrayInputStream in = new ByteArrayInputStream(chunk.array());
                while (in.available() > 0) {
                    PageHeader header = Util.readPageHeader(in);
                    if (header.getType() != PageType.DATA_PAGE || header.getData_page_header().getEncoding()
                            != org.apache.parquet.format.Encoding.PLAIN) {
                        throw notOurs("its path column has a " + header.getType() + " page");
                    }
                    byte[] page = in.readNBytes(header.getCompressed_page_size());
                    ByteBuffer values = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < header.getData_page_header().getNum_values(); i++) {
                        int length = values.getInt();
                        paths.add(new String(page, values.position(), length, StandardCharsets.UTF_8));
                        values.position(values.position() + length);
                    }
                }
                if (paths.size() - before != group.getRowCount()) {
                    throw notOurs("its path column has " + (paths.size() - before) + " values for "
                            + group.getRowCount() + " rows");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof FormatException) throw e;
            throw FormatException.in(file, "its path column cannot be read: " + e);
        }
        return paths;
    }

    private FormatException notOurs(String why) {
        return FormatException.in(file, "is not a part written by jresnet (" + why + ")");
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) if (b.get(i) != MAGIC[i]) return false;
        return true;
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file at " + (at + b.position()));
        }
        return b.flip();
    }
}
