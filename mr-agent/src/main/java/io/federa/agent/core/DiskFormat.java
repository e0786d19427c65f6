package io.federa.agent.core;

/**
 * The format of a VM's disk image: {@code raw} (a sparse file, the default) or {@code qcow2}
 * (QEMU's copy-on-write format; a thin image is compact, its file holds what was written).
 */
public enum DiskFormat {
    RAW("raw"),
    QCOW2("qcow2");

    private final String word;

    DiskFormat(String word) {
        this.word = word;
    }

    /** The name libvirt and qemu-img use, and the extension of the image file. */
    public String word() {
        return word;
    }

    /** The format a spec names; refused with the field named when it is none of them. */
    public static DiskFormat of(String s) {
        for (DiskFormat f : values()) {
            if (f.word.equals(s)) {
                return f;
            }
        }
        throw new InvalidSpecException("diskFormat", "must be raw or qcow2, got " + VmSpec.quote(s));
    }
}
