"""One module per source family; `all_sources()` lists every source spec in load order."""

from ingestion.sources.base import ReadContext, SourceSpec


def all_sources() -> list[SourceSpec]:
    from ingestion.sources import email, phone, reference, sales, surveys, web

    return [*sales.SOURCES, *email.SOURCES, *web.SOURCES, *phone.SOURCES, *surveys.SOURCES, *reference.SOURCES]


__all__ = ["ReadContext", "SourceSpec", "all_sources"]
