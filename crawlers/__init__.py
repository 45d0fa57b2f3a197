"""The Scrapy project that collects posts: settings, the source registry, spiders,
middlewares, and the item pipeline that hands posts to the ingest chain."""
