package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watch asks for a collection once the old generation has grown by its step, and stops when closed. */
class OldGenerationWatchTest {
    @Test
    void collectsWhenTheOldGenerationGrowsByTheStepAndNotAfterClose() throws InterruptedException {
        List<float[]> live = new ArrayList<>();
        int asked;
        try (OldGenerationWatch watch = new OldGenerationWatch(4L << 20)) {
            assertTrue(watch.watching(), "the test JVM's collector has an old generation with a usage threshold");
            // Arrays this large go straight to the old generation (G1: humongous; parallel and serial:
            // larger than the young generation's free space), and they stay reachable.
            for (int i = 0; i < 16 && watch.collections() == 0; i++) {
                live.add(new float[2 << 20]);
                for (int w = 0; w < 20 && watch.collections() == 0; w++) Thread.sleep(10);
            }
            assertTrue(watch.collections() > 0, "no collection after " + live.size() * 8 + " MB of old growth");
            asked = watch.collections();
        }
        for (int i = 0; i < 4; i++) live.add(new float[2 << 20]);
        Thread.sleep(200);
        assertEquals(true, live.size() > 4); // keeps the arrays reachable to here
        try (OldGenerationWatch again = new OldGenerationWatch(1L << 40)) {
            assertEquals(0, again.collections(), "a new watch starts at zero");
        }
        assertTrue(asked > 0);
    }
}
