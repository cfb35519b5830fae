import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the named test classes (e.g. the cuda and opencl conformance suites) in one JVM, so the
 * reference results are computed once, and prints JUnit's summary. Exit status 1 on any failure.
 * java -cp <test classes, jars, junit jars> bench/gpu/RunConformance.java CLASS...
 */
public class RunConformance {
    public static void main(String[] args) throws Exception {
        var builder = LauncherDiscoveryRequestBuilder.request();
        for (String c : args) builder.selectors(selectClass(Class.forName(c)));
        LauncherDiscoveryRequest request = builder.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        s.printTo(new java.io.PrintWriter(System.out));
        s.printFailuresTo(new java.io.PrintWriter(System.out), 20);
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
