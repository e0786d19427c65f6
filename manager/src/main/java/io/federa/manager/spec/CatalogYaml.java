package io.federa.manager.spec;

import com.fasterxml.jackson.core.JacksonException;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.core.spec.SpecError;

import java.util.List;
import java.util.Optional;

/**
 * Reads a definition document in YAML (or JSON, a subset of it) into plain maps and lists and
 * hands it to the pure {@link CatalogValidator}: the one parse of a document, whose result the
 * store keeps (a stored version is not parsed again at each read). A document that does not even
 * parse, or is past {@link StrictYaml}'s size limits, is one error at the document's level, with
 * the line.
 */
public final class CatalogYaml {
    private CatalogYaml() {
    }

    public static CatalogValidator.Result parse(String text) {
        if (text == null || text.isBlank()) {
            return failed("the document is empty");
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
