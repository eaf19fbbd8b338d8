package dev.mailpipe.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's own view of a run, read from its Prometheus endpoint: percentiles of a timer from its
 * histogram buckets. The buckets are cumulative, so a percentile is the upper bound of the first
 * bucket that holds that share of the samples; differences between two scrapes give one round.
 */
final class ServiceMetrics {
    private final List<double[]> buckets; // {upper bound in seconds, cumulative count}

    private ServiceMetrics(List<double[]> buckets) {
        this.buckets = buckets;
    }

    /** The whole Prometheus text of a service. */
    static String text(int managementPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static ServiceMetrics scrape(int managementPort, String histogram) throws Exception {
        String text = text(managementPort);
        Pattern line = Pattern.compile("^" + Pattern.quote(histogram) + "_bucket\\{.*le=\"([^\"]+)\".*\\} ([0-9.eE+]+)$",
                Pattern.MULTILINE);
        List<double[]> buckets = new ArrayList<>();
        Matcher m = line.matcher(text);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            buckets.add(new double[] {le, Double.parseDouble(m.group(2))});
        }
        buckets.sort((a, b) -> Double.compare(a[0], b[0]));
        return new ServiceMetrics(buckets);
    }

    /** The samples taken since {@code earlier}. */
    ServiceMetrics since(ServiceMetrics earlier) {
        List<double[]> diff = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            double before = i < earlier.buckets.size() ? earlier.buckets.get(i)[1] : 0;
            diff.add(new double[] {buckets.get(i)[0], buckets.get(i)[1] - before});
        }
        return new ServiceMetrics(diff);
    }

    /** Upper bound, in milliseconds, of the bucket holding quantile {@code q}; NaN without samples. */
    double percentileMillis(double q) {
        if (buckets.isEmpty() || buckets.get(buckets.size() - 1)[1] == 0) {
            return Double.NaN;
        }
        double target = q * buckets.get(buckets.size() - 1)[1];
        for (double[] b : buckets) {
            if (b[1] >= target) {
                return b[0] * 1000;
            }
        }
        return Double.NaN;
    }
}
