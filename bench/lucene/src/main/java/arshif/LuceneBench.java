package arshif;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene anchor of bench/search.py, in process.
 *
 * <pre>
 *   index  ARTICLES.tsv INDEX_DIR
 *   search INDEX_DIR QUERIES.tsv cold|warm THREADS
 * </pre>
 *
 * ARTICLES.tsv (written by bench/search.py from Arshif's own database, so both engines hold the
 * same articles and entities): id, published (epoch seconds), section, source, title, body,
 * person ids, org ids, place ids (space separated); tabs and line breaks already replaced.
 * title/body are analysed with ArabicAnalyzer (stop words, normalisation, light stemming) and
 * title_exact/body_exact with the same tokenizer and normalisation but no stemming (Arshif's
 * =word, phrases and prefixes). Section, source, year and the three entity kinds are
 * sorted-set doc-values facets.
 *
 * QUERIES.tsv: set (warm|timed), query (classic QueryParser syntax, already prepared by
 * bench/search.py: stop words out, spelling alternatives in), filter (QueryParser syntax over
 * the keyword fields, may be empty), sort (relevance|newest|oldest), page, per_page. Each query
 * is answered as GET /api/v1/search answers it: the page of hits with their stored fields,
 * title and body highlighted by UnifiedHighlighter, the total, and the top 10 values of the six
 * facets (counted under the whole query).
 *
 * cold: open the index and answer the timed set once (first touch, JIT cold). warm: answer the
 * warm-up set three times, then the timed set once. THREADS &gt; 1 answers the timed set from
 * that many threads at once. Prints one line per timed query: index, milliseconds, total.
 */
public final class LuceneBench {
    static final String[] DIMS = {"section", "source", "year", "person", "org", "place"};
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    static Analyzer exactAnalyzer() {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer source = new StandardTokenizer();
                TokenStream result = new LowerCaseFilter(source);
                result = new DecimalDigitFilter(result);
                result = new ArabicNormalizationFilter(result);
                return new TokenStreamComponents(source, result);
            }
        };
    }

    static Analyzer analyzer() {
        Map<String, Analyzer> fields = new HashMap<>();
        Analyzer exact = exactAnalyzer();
        fields.put("title_exact", exact);
        fields.put("body_exact", exact);
        return new PerFieldAnalyzerWrapper(new ArabicAnalyzer(), fields);
    }

    static FacetsConfig facetsConfig() {
        FacetsConfig config = new FacetsConfig();
        for (String kind : new String[] {"person", "org", "place"}) {
            config.setMultiValued(kind, true);
        }
        return config;
    }

    static void index(Path articles, Path dir) throws IOException {
        FacetsConfig config = facetsConfig();
        IndexWriterConfig iwc = new IndexWriterConfig(analyzer()).setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setRAMBufferSizeMB(128);
        long started = System.nanoTime();
        int n = 0;
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), iwc);
             BufferedReader in = Files.newBufferedReader(articles, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\t", -1);
                long published = Long.parseLong(f[1]);
                String day = DAY.format(Instant.ofEpochSecond(published));
                Document doc = new Document();
                doc.add(new StringField("id", f[0], Field.Store.YES));
                doc.add(new StringField("date", day, Field.Store.NO));
                doc.add(new NumericDocValuesField("published", published));
                doc.add(new StoredField("published", published));
                doc.add(new StringField("section", f[2], Field.Store.YES));
                doc.add(new StringField("source", f[3], Field.Store.YES));
                doc.add(new SortedSetDocValuesFacetField("section", f[2].isEmpty() ? "-" : f[2]));
                doc.add(new SortedSetDocValuesFacetField("source", f[3].isEmpty() ? "-" : f[3]));
                doc.add(new SortedSetDocValuesFacetField("year", day.substring(0, 4)));
                doc.add(new TextField("title", f[4], Field.Store.YES));
                doc.add(new TextField("body", f[5], Field.Store.YES));
                doc.add(new TextField("title_exact", f[4], Field.Store.NO));
                doc.add(new TextField("body_exact", f[5], Field.Store.NO));
                for (int k = 0; k < 3; k++) {
                    String kind = DIMS[3 + k];
                    for (String id : f[6 + k].split(" ")) {
                        if (!id.isEmpty()) {
                            doc.add(new StringField(kind, id, Field.Store.YES));
                            doc.add(new SortedSetDocValuesFacetField(kind, id));
                        }
                    }
                }
                writer.addDocument(config.build(doc));
                n++;
            }
            writer.forceMerge(1);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("indexed\t%d\t%.1f%n", n, seconds);
    }

    record Request(String set, String query, String filter, String sort, int page, int perPage) {}

    static List<Request> requests(Path file) throws IOException {
        List<Request> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            out.add(new Request(f[0], f[1], f[2], f[3], Integer.parseInt(f[4]), Integer.parseInt(f[5])));
        }
        return out;
    }

    /**
     * The prepared query's words, as Arshif searches them: a word Arshif keeps but
     * ArabicAnalyzer drops from title/body as one of its own stop words (أنها، عند، إلا…) is
     * searched as written in title_exact/body_exact, the nearest field Lucene holds it in,
     * instead of leaving the clause out (which made Lucene's query looser than Arshif's).
     */
    static final class PreparedQueryParser extends QueryParser {
        PreparedQueryParser(Analyzer analyzer) {
            super("body", analyzer);
        }

        @Override
        protected Query getFieldQuery(String field, String text, boolean quoted) throws ParseException {
            Query q = super.getFieldQuery(field, text, quoted);
            if (q == null && (field.equals("title") || field.equals("body"))) {
                return super.getFieldQuery(field + "_exact", text, quoted);
            }
            return q;
        }
    }

    static final class Engine {
        final IndexSearcher searcher;
        final SortedSetDocValuesReaderState state;
        final Analyzer analyzer = analyzer();
        final FacetsConfig config = facetsConfig();
        final UnifiedHighlighter highlighter;

        Engine(Path dir) throws IOException {
            searcher = new IndexSearcher(DirectoryReader.open(FSDirectory.open(dir)));
            state = new DefaultSortedSetDocValuesReaderState(searcher.getIndexReader(), config);
            highlighter = UnifiedHighlighter.builder(searcher, analyzer).withMaxLength(20_000).build();
        }

        Query parse(Request r) throws Exception {
            // QueryParser is not thread-safe: one per call (cheap).
            QueryParser text = new PreparedQueryParser(analyzer);
            text.setDefaultOperator(QueryParser.Operator.AND);
            Query q = r.query().isBlank() ? new MatchAllDocsQuery() : text.parse(r.query());
            if (r.filter().isBlank()) {
                return q;
            }
            QueryParser keyword = new QueryParser("section", new KeywordAnalyzer());
            keyword.setDefaultOperator(QueryParser.Operator.AND);
            return new BooleanQuery.Builder().add(q, BooleanClause.Occur.MUST)
                    .add(keyword.parse(r.filter()), BooleanClause.Occur.FILTER).build();
        }

        /** One request as the API answers it; returns the total. */
        long answer(Request r) throws Exception {
            Query q = parse(r);
            int start = (r.page() - 1) * r.perPage();
            int n = start + r.perPage();
            FacetsCollector fc = new FacetsCollector();
            TopDocs top = switch (r.sort()) {
                case "newest" -> FacetsCollector.search(searcher, q, n,
                        new Sort(new SortField("published", SortField.Type.LONG, true)), fc);
                case "oldest" -> FacetsCollector.search(searcher, q, n,
                        new Sort(new SortField("published", SortField.Type.LONG, false)), fc);
                default -> FacetsCollector.search(searcher, q, n, fc);
            };
            SortedSetDocValuesFacetCounts counts = new SortedSetDocValuesFacetCounts(state, fc);
            List<FacetResult> facets = new ArrayList<>();
            for (String dim : DIMS) {
                try {
                    facets.add(counts.getTopChildren(10, dim));
                } catch (IllegalArgumentException absent) {
                    // a dimension no document has (e.g. no entities extracted)
                }
            }
            ScoreDoc[] page = top.scoreDocs;
            int from = Math.min(start, page.length);
            int[] docs = new int[page.length - from];
            for (int i = from; i < page.length; i++) {
                docs[i - from] = page[i].doc;
            }
            if (docs.length > 0) {
                Map<String, String[]> marked = highlighter.highlightFields(
                        new String[] {"title", "body"}, q, docs, new int[] {1, 2});
                var stored = searcher.storedFields();
                for (int doc : docs) {
                    stored.document(doc);
                }
                if (marked.isEmpty()) {
                    throw new IllegalStateException("no highlights");
                }
            }
            if (facets.isEmpty() && top.totalHits.value > 0) {
                throw new IllegalStateException("no facets");
            }
            return top.totalHits.value;
        }
    }

    static void search(Path dir, Path queries, String mode, int threads) throws Exception {
        List<Request> all = requests(queries);
        List<Request> warm = all.stream().filter(r -> r.set().equals("warm")).toList();
        List<Request> timed = all.stream().filter(r -> r.set().equals("timed")).toList();
        long opened = System.nanoTime();
        Engine engine = new Engine(dir);
        System.out.printf("opened\t%.1f%n", (System.nanoTime() - opened) / 1e6);
        if (mode.equals("warm")) {
            for (int pass = 0; pass < 3; pass++) {
                for (Request r : warm) {
                    engine.answer(r);
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < timed.size(); i++) {
            final int k = i;
            results.add(pool.submit(() -> {
                long started = System.nanoTime();
                long total = engine.answer(timed.get(k));
                return String.format("%d\t%.3f\t%d", k, (System.nanoTime() - started) / 1e6, total);
            }));
        }
        for (Future<String> f : results) {
            System.out.println(f.get());
        }
        pool.shutdown();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("index")) {
            index(Paths.get(args[1]), Paths.get(args[2]));
        } else if (args.length == 5 && args[0].equals("search")) {
            search(Paths.get(args[1]), Paths.get(args[2]), args[3], Integer.parseInt(args[4]));
        } else {
            System.err.println("usage: index ARTICLES.tsv DIR | search DIR QUERIES.tsv cold|warm THREADS");
            System.exit(2);
        }
    }
}
