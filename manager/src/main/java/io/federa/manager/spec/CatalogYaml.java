package io.federa.manager.spec;

import com.fasterxml.jackson.core.JacksonException;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.core.spec.SpecError;

import java.util.List;
import java.util.Optional;

/**
 * Reads a definition document in YAML (or JSON, a subset of it) into plain maps and lists and
 * hands it to the pure {@link CatalogValidator}. A document that does not even parse is one
 * error at the document's level, with the line.
 */
public final class CatalogYaml {
    public static final int MAX_CHARS = 1024 * 1024;

    private CatalogYaml() {
    }

    public static CatalogValidator.Result parse(String text) {
        if (text == null || text.isBlank()) {
            return failed("the document is empty");
        }
        if (text.length() > MAX_CHARS) {
            return failed("the document is " + text.length() + " characters long; the limit is " + MAX_CHARS);
        }
        Object tree;
        try {
            tree = StrictYaml.read(text);
        } catch (JacksonException e) {
            return failed(StrictYaml.describe(e));
        }
        return CatalogValidator.validate(tree);
    }

    private static CatalogValidator.Result failed(String message) {
        return new CatalogValidator.Result(Optional.empty(), List.of(new SpecError("(document)", message)));
    }
}
