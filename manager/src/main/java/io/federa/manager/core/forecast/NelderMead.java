package io.federa.manager.core.forecast;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * The Nelder–Mead simplex minimiser (reflection 1, expansion 2, contraction ½, shrink ½), for the
 * few smoothing parameters of {@link HoltWinters}. Deterministic: the same start gives the same
 * answer. No derivative is needed, which suits an objective computed by running a filter.
 */
final class NelderMead {
    private NelderMead() {
    }

    /**
     * A local minimum of {@code f} from {@code start}, the first simplex spread by {@code spread}
     * along each axis; stops after {@code maxEvaluations} or once the simplex's values agree
     * within {@code tolerance} (relative).
     */
    static double[] minimise(ToDoubleFunction<double[]> f, double[] start, double spread, int maxEvaluations, double tolerance) {
        int d = start.length;
        double[][] x = new double[d + 1][];
        double[] fx = new double[d + 1];
        for (int i = 0; i <= d; i++) {
            x[i] = start.clone();
            if (i > 0) {
                x[i][i - 1] += spread;
            }
            fx[i] = f.applyAsDouble(x[i]);
        }
        int evaluations = d + 1;
        double[] centroid = new double[d];
        while (evaluations < maxEvaluations) {
            sort(x, fx);
            if (Math.abs(fx[d] - fx[0]) <= tolerance * (Math.abs(fx[0]) + 1e-300)) {
                break;
            }
            Arrays.fill(centroid, 0);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    centroid[j] += x[i][j] / d;
                }
            }
            double[] reflected = along(centroid, x[d], -1);
            double fr = f.applyAsDouble(reflected);
            evaluations++;
            if (fr < fx[0]) {
                double[] expanded = along(centroid, x[d], -2);
                double fe = f.applyAsDouble(expanded);
                evaluations++;
                if (fe < fr) {
                    x[d] = expanded;
                    fx[d] = fe;
                } else {
                    x[d] = reflected;
                    fx[d] = fr;
                }
            } else if (fr < fx[d - 1]) {
                x[d] = reflected;
                fx[d] = fr;
            } else {
                boolean outside = fr < fx[d];
                double[] contracted = outside ? along(centroid, x[d], -0.5) : along(centroid, x[d], 0.5);
                double fc = f.applyAsDouble(contracted);
                evaluations++;
                if (fc < Math.min(fr, fx[d])) {
                    x[d] = contracted;
                    fx[d] = fc;
                } else {
                    for (int i = 1; i <= d; i++) {
                        for (int j = 0; j < d; j++) {
                            x[i][j] = x[0][j] + 0.5 * (x[i][j] - x[0][j]);
                        }
                        fx[i] = f.applyAsDouble(x[i]);
                    }
                    evaluations += d;
                }
            }
        }
        sort(x, fx);
        return x[0];
    }

    /** centroid + t·(worst − centroid): t = −1 reflects the worst point through the centroid. */
    private static double[] along(double[] centroid, double[] worst, double t) {
        double[] p = new double[centroid.length];
        for (int j = 0; j < p.length; j++) {
            p[j] = centroid[j] + t * (worst[j] - centroid[j]);
        }
        return p;
    }

    /** Insertion sort by value, best first; d + 1 is at most six here. */
    private static void sort(double[][] x, double[] fx) {
        for (int i = 1; i < fx.length; i++) {
            double fv = fx[i];
            double[] xv = x[i];
            int j = i - 1;
            while (j >= 0 && fx[j] > fv) {
                fx[j + 1] = fx[j];
                x[j + 1] = x[j];
                j--;
            }
            fx[j + 1] = fv;
            x[j + 1] = xv;
        }
    }
}
