package io.jresnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import io.jresnet.backend.BackendOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceInfoTest {
    static final List<DeviceInfo> DEVICES = List.of(
            new DeviceInfo(0, "NVIDIA GeForce RTX 4090", "a"), new DeviceInfo(1, "NVIDIA H200", "b"));

    @Test
    void chooseByIndexNameOrDefault() {
        assertEquals(0, DeviceInfo.choose(DEVICES, null).index());
        assertEquals(1, DeviceInfo.choose(DEVICES, "1").index());
        assertEquals(1, DeviceInfo.choose(DEVICES, "h200").index());
        assertEquals(0, DeviceInfo.choose(DEVICES, " rtx ").index());
    }

    @Test
    void unknownDevicesFailNamingTheChoices() {
        BackendException e = assertThrows(BackendException.class, () -> DeviceInfo.choose(DEVICES, "7"));
        assertTrue(e.getMessage().contains("1: NVIDIA H200"), e.getMessage());
        assertThrows(BackendException.class, () -> DeviceInfo.choose(DEVICES, "a100"));
        assertThrows(BackendException.class, () -> DeviceInfo.choose(List.of(), null));
    }

    @Test
    void optionWinsOverProperty() {
        assertEquals("1", DeviceInfo.requested(new BackendOptions(0, Map.of("device", "1"))));
    }
}
