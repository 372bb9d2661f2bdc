package io.apsisimport.docs;

// Fast check of the documentation (no AWS, no network): every relative link in README.md and
// docs/*.md points to a file or folder of the repository.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocLinksTest {

    /** {@code [text](target)} and {@code ![alt](target "title")}; the target ends at a blank or ')'. */
    private static final Pattern INLINE = Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** A reference definition: {@code [name]: target}. */
    private static final Pattern REFERENCE = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s|$)");
    /** A scheme (https:, mailto:, …): not a file of the repository. */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    /** Relative link targets of {@code markdown} as "line: target"; code spans and fenced blocks are left out. */
    static List<String> relativeLinks(String markdown) {
        String text = withoutCode(markdown);
        List<String> links = new ArrayList<>();
        for (Pattern p : List.of(INLINE, REFERENCE)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (SCHEME.matcher(target).find() || target.startsWith("#")) {
                    continue;
                }
                int line = text.substring(0, m.start()).split("\n", -1).length;
                links.add(line + ": " + target);
            }
        }
        return links;
    }

    /** Blanks fenced blocks and code spans, keeping the line count, so that code showing a link is not one. */
    private static String withoutCode(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                out.append('\n');
                continue;
            }
            out.append(fenced ? "" : line.replaceAll("`[^`]*`", "``")).append('\n');
        }
        return out.toString();
    }

    /** The links of {@code file} whose target does not exist, as "file:line: target". */
    static List<String> missing(Path file) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String link : relativeLinks(Files.readString(file))) {
            String target = link.substring(link.indexOf(": ") + 2);
            String path = target.replaceAll("[#?].*$", "");
            if (path.isEmpty()) {
                continue;
            }
            Path resolved = file.toAbsolutePath()
                    .getParent()
                    .resolve(URLDecoder.decode(path, StandardCharsets.UTF_8))
                    .normalize();
            if (!Files.exists(resolved)) {
                missing.add(file + ":" + link);
            }
        }
        return missing;
    }

    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(Path.of("README.md"));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    @Test
    void everyRelativeLinkInTheReadmeAndDocsPointsToAFileThatExists() throws IOException {
        List<String> missing = new ArrayList<>();
        int links = 0;
        for (Path doc : documents()) {
            links += relativeLinks(Files.readString(doc)).size();
            missing.addAll(missing(doc));
        }
        assertTrue(links > 20, "found only " + links + " relative links: is the link pattern still right?");
        assertEquals(List.of(), missing, "links to files that do not exist");
    }

    @Test
    void theCheckFindsInlineAndReferenceLinksButNotUrlsAnchorsOrCode() {
        String md = """
                See [the deploy guide](docs/deploy.md#parameters) and ![a figure](img/x.png "title").
                A [site](https://example.com/a.md), an [anchor](#troubleshooting), `[code](no.md)`.
                ```
                [fenced](nope.md)
                ```
                [ref]: ../other.md
                """;
        assertEquals(List.of("1: docs/deploy.md#parameters", "1: img/x.png", "6: ../other.md"), relativeLinks(md));
    }

    @Test
    void aLinkToAMissingFileIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("here.md"), "x");
        Path doc = dir.resolve("doc.md");
        Files.writeString(doc, "[ok](here.md) [ok too](./here.md#a) [gone](gone.md)\n");
        assertEquals(List.of(doc + ":1: gone.md"), missing(doc));
    }
}
