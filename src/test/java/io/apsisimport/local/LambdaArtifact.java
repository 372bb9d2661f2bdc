package io.apsisimport.local;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The function code as `sam build` lays it out and Lambda unpacks it in /var/task: the classes at
 * the top, the runtime jars under lib/. Built here as a directory of symbolic links to the Maven
 * build's output, so that the RIC's class loader sees exactly the artifact (not the test
 * classpath). Extra entries (local-only instrumentation) go under lib/ too, directories packed
 * into a jar first; the RIC loads lib/*.jar in name order.
 */
final class LambdaArtifact {
    private LambdaArtifact() {}

    /** The project's artifact: target/classes plus the jars of target/lambda-runtime-classpath.txt. */
    static List<Path> projectEntries(Path home) {
        Path classes = home.resolve("target/classes");
        Path list = home.resolve("target/lambda-runtime-classpath.txt");
        if (!Files.isDirectory(classes) || !Files.isRegularFile(list)) {
            throw new IllegalStateException(list + " or " + classes + " is missing: build first (mvn test-compile; "
                    + "bin/test and bin/local-import do)");
        }
        var entries = new ArrayList<Path>();
        entries.add(classes);
        entries.addAll(classpath(list));
        return entries;
    }

    /** The entries of a classpath file written by maven-dependency-plugin's build-classpath. */
    static List<Path> classpath(Path file) {
        try {
            String text = Files.readString(file).trim();
            return text.isEmpty()
                    ? List.of()
                    : Stream.of(text.split(File.pathSeparator))
                            .filter(s -> !s.isBlank())
                            .map(Path::of)
                            .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Lays out {@code root}: every directory entry's content linked at the top, every jar linked
     * under lib/, then each extra entry under lib/ (after the artifact's jars).
     */
    static Path layOut(Path root, List<Path> entries, List<Path> extra) {
        try {
            Files.createDirectories(root.resolve("lib"));
            for (Path e : entries) {
                if (Files.isDirectory(e)) {
                    try (Stream<Path> children = Files.list(e)) {
                        for (Path child : children.sorted().toList()) {
                            Path link = root.resolve(child.getFileName().toString());
                            if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                                throw new IllegalStateException("two artifact entries provide " + child.getFileName());
                            }
                            Files.createSymbolicLink(link, child.toAbsolutePath());
                        }
                    }
                } else {
                    link(root.resolve("lib").resolve(e.getFileName().toString()), e);
                }
            }
            int n = 0;
            for (Path e : extra) {
                n++;
                Path target = root.resolve("lib")
                        .resolve("zz-local-" + n + "-" + e.getFileName() + (Files.isDirectory(e) ? ".jar" : ""));
                if (Files.isDirectory(e)) {
                    jar(e, target);
                } else {
                    link(target, e);
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the function code under " + root, e);
        }
    }

    /** The size in bytes of what `sam build` would put into the function's zip (before compression). */
    static long size(List<Path> entries) {
        long total = 0;
        for (Path e : entries) {
            try (Stream<Path> files = Files.walk(e)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    total += Files.size(f);
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return total;
    }

    private static void link(Path link, Path target) throws IOException {
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, target.toAbsolutePath());
        }
    }

    private static void jar(Path dir, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar);
                var zip = new ZipOutputStream(out);
                Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }
}
