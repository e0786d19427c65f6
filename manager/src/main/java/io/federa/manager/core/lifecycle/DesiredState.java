package io.federa.manager.core.lifecycle;

/** What an operator asked of a service: keep it running ({@code federa start}) or stopped. */
public enum DesiredState { STARTED, STOPPED }
