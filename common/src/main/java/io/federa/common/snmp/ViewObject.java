package io.federa.common.snmp;

import org.snmp4j.PDU;
import org.snmp4j.agent.DefaultMOScope;
import org.snmp4j.agent.MOScope;
import org.snmp4j.agent.mo.GenericManagedObject;
import org.snmp4j.agent.request.SubRequest;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.function.Function;

/**
 * One read-only region of the OID tree, served from the view that {@link ViewPinning} gives the
 * requesting station: every request of a walk sees the same snapshot.
 */
public final class ViewObject implements GenericManagedObject {
    private final DefaultMOScope scope;
    private final ViewPinning views;

    /** Serves [lower, upper): lower included, upper excluded. */
    public ViewObject(OID lower, OID upper, ViewPinning views) {
        this.scope = new DefaultMOScope(lower, true, upper, false);
        this.views = views;
    }

    @Override
    public MOScope getScope() {
        return scope;
    }

    @Override
    public OID find(MOScope range) {
        OidView view = views.latest();
        int i = first(view, range);
        return i < 0 ? null : view.oidAt(i);
    }

    /** The first instance of the view inside both this object's scope and {@code range}, or -1. */
    private int first(OidView view, MOScope range) {
        OID from = range.getLowerBound();
        boolean inclusive = range.isLowerIncluded();
        if (from == null || from.compareTo(scope.getLowerBound()) < 0) {
            from = scope.getLowerBound();
            inclusive = true;
        }
        int i = view.ceiling(from, inclusive);
        if (i < 0) {
            return -1;
        }
        OID found = view.oidAt(i);
        if (!scope.covers(found) || !covers(range, found)) {
            return -1;
        }
        return i;
    }

    private static boolean covers(MOScope range, OID oid) {
        OID upper = range.getUpperBound();
        if (upper == null) {
            return true;
        }
        int c = oid.compareTo(upper);
        return c < 0 || (c == 0 && range.isUpperIncluded());
    }

    @Override
    public void get(SubRequest<?> request) {
        OidView view = views.forRequest(request);
        VariableBinding vb = request.getVariableBinding();
        Variable v = view.get(vb.getOid());
        vb.setVariable(v == null ? Null.noSuchInstance : v);
        request.completed();
    }

    /** Required by the interface, which the agent's request processor no longer calls. */
    @Override
    @SuppressWarnings("deprecation")
    public boolean next(SubRequest<?> request) {
        return next(request, oid -> true);
    }

    /** The next instance after the request's OID that the station's VACM view lets it see. */
    @Override
    public boolean next(SubRequest<?> request, Function<OID, Boolean> accessible) {
        OidView view = views.forRequest(request);
        MOScope range = request.getScope();
        for (int i = first(view, range); i >= 0 && i < view.size(); i++) {
            OID oid = view.oidAt(i);
            if (!scope.covers(oid) || !covers(range, oid)) {
                return false;
            }
            if (Boolean.TRUE.equals(accessible.apply(oid))) {
                VariableBinding vb = request.getVariableBinding();
                vb.setOid(oid);
                vb.setVariable(view.valueAt(i));
                request.completed();
                return true;
            }
        }
        return false;
    }

    @Override
    public void prepare(SubRequest<?> request) {
        request.getStatus().setErrorStatus(PDU.notWritable);
    }

    @Override
    public void commit(SubRequest<?> request) {
        request.getStatus().setErrorStatus(PDU.commitFailed);
    }

    @Override
    public void undo(SubRequest<?> request) {
        request.getStatus().setErrorStatus(PDU.undoFailed);
    }

    @Override
    public void cleanup(SubRequest<?> request) {
        request.completed();
    }
}
