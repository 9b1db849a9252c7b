"""Arshif on SolrCloud: the HTTP client, the documents Solr indexes (Python's own analysed
terms), collections as index generations behind a collection alias, and the local cluster
that ``make solr`` and the tests start from the Maven jars."""
