package io.federa.manager.core.placement;

/** How the fit scorer ranks hosts that pass every check. */
public enum Strategy {
    /** Prefer the emptiest host after placement: instances spread, failures hit fewer of them. */
    SPREAD,
    /** Prefer the fullest host after placement: fewer hosts busy, whole hosts left free. */
    BINPACK
}
