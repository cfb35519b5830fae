package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.nn.BatchNorm2d;
import io.jresnet.nn.Conv2d;
import io.jresnet.nn.Linear;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.Sequential;
import org.junit.jupiter.api.Test;

/** The optimizer's update against steps computed by hand, and the schedules. */
class SgdTrainTest {
    @Test
    void twoStepsWithMomentumAndDecayMatchTheHandComputation() {
        Conv2d conv = new Conv2d(1, 1, 1, 1, 0, true);
        Sequential net = new Sequential(conv);
        conv.weight().value().fill(2f);
        conv.bias().value().fill(1f);
        Sgd sgd = new Sgd(net, 0.9, 0.1);
        conv.weight().grad().fill(0.5f);
        conv.bias().grad().fill(0.5f);
        sgd.step(0.1);
        // weight: g = 0.5 + 0.1*2 = 0.7; v = 0.7; w = 2 - 0.07 = 1.93
        // bias (no decay): g = 0.5; v = 0.5; b = 1 - 0.05 = 0.95
        assertEquals(1.93f, conv.weight().value().array()[0], 1e-6);
        assertEquals(0.95f, conv.bias().value().array()[0], 1e-6);
        sgd.step(0.01); // same gradients
        // weight: g = 0.5 + 0.193 = 0.693; v = 0.63 + 0.693 = 1.323; w = 1.93 - 0.01323 = 1.91677
        // bias: v = 0.45 + 0.5 = 0.95; b = 0.95 - 0.0095 = 0.9405
        assertEquals(1.91677f, conv.weight().value().array()[0], 1e-6);
        assertEquals(0.9405f, conv.bias().value().array()[0], 1e-6);
        assertEquals(1.323f, sgd.state().get("0.weight").array()[0], 1e-6);
    }

    @Test
    void decayOnlyOnConvAndLinearWeights() {
        Sgd sgd = Sgd.paper(new ResNet(ResNetSpec.cifar(20)));
        assertEquals(0.9, sgd.momentum());
        assertEquals(1e-4, sgd.weightDecay());
        assertTrue(sgd.decays("conv1.weight"));
        assertTrue(sgd.decays("layer2.0.conv1.weight"));
        assertTrue(sgd.decays("fc.weight"));
        assertFalse(sgd.decays("fc.bias"));
        assertFalse(sgd.decays("bn1.weight"));
        assertFalse(sgd.decays("layer3.2.bn2.bias"));
        assertFalse(sgd.parameters().containsKey("bn1.running_mean"), "buffers are not optimised");
    }

    @Test
    void batchNormScaleIsNotDecayedAndBuffersAreUntouched() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Linear fc = new Linear(2, 1);
        Sequential net = new Sequential(bn, fc);
        fc.weight().value().fill(1f);
        Sgd sgd = new Sgd(net, 0, 0.5);
        sgd.step(1); // zero gradients: only decay moves anything
        assertArrayEquals(new float[] {1, 1}, bn.weight().value().toArray());
        assertArrayEquals(new float[] {1, 1}, bn.runningVar().value().toArray());
        assertArrayEquals(new float[] {0.5f, 0.5f}, fc.weight().value().toArray());
    }

    @Test
    void momentumStateRoundTrips() {
        Linear a = new Linear(2, 2), b = new Linear(2, 2);
        Sgd sa = new Sgd(new Sequential(a), 0.9, 0), sb = new Sgd(new Sequential(b), 0.9, 0);
        a.weight().grad().fill(1f);
        sa.step(0.1);
        sb.loadState(sa.state());
        b.weight().grad().fill(1f);
        a.weight().value().fill(0f);
        b.weight().value().fill(0f);
        sa.step(0.1);
        sb.step(0.1);
        assertArrayEquals(a.weight().value().toArray(), b.weight().value().toArray());
        assertEquals(-0.19f, b.weight().value().array()[0], 1e-6); // v = 0.9 + 1
    }

    @Test
    void zeroGradClearsAccumulatedGradients() {
        Linear fc = new Linear(2, 2);
        Sgd sgd = new Sgd(new Sequential(fc), 0.9, 1e-4);
        fc.weight().grad().fill(3f);
        sgd.zeroGrad();
        assertEquals(0f, fc.weight().grad().array()[3]);
    }

    @Test
    void stepScheduleOfThePaper() {
        LearningRateSchedule s = LearningRateSchedule.step(0.1, 0.1, 48_000, 32_000);
        assertEquals(0.1, s.rate(0), 1e-12);
        assertEquals(0.1, s.rate(31_999), 1e-12);
        assertEquals(0.01, s.rate(32_000), 1e-12);
        assertEquals(0.001, s.rate(50_000), 1e-12);
        LearningRateSchedule warm = s.withWarmup(400, 0.01);
        assertEquals(0.01, warm.rate(0), 1e-12);
        assertEquals(0.01, warm.rate(399), 1e-12);
        assertEquals(0.1, warm.rate(400), 1e-12);
    }

    @Test
    void cosineAndLinearWarmup() {
        LearningRateSchedule c = LearningRateSchedule.cosine(0.1, 100, 0.0);
        assertEquals(0.1, c.rate(0), 1e-12);
        assertEquals(0.05, c.rate(50), 1e-12);
        assertEquals(0.1 * (1 + Math.cos(Math.PI * 0.25)) / 2, c.rate(25), 1e-12);
        assertEquals(0.0, c.rate(100), 1e-12);
        assertEquals(0.0, c.rate(1000), 1e-12);
        LearningRateSchedule w = LearningRateSchedule.constant(0.4).withLinearWarmup(4);
        assertEquals(0.1, w.rate(0), 1e-12);
        assertEquals(0.4, w.rate(3), 1e-12);
        assertEquals(0.4, w.rate(4), 1e-12);
    }
}
