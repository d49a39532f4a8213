"""One module per source family; `all_sources()` lists every source spec in load order."""

from functools import cache

from ingestion.sources.base import LoadMode, ReadContext, SourceSpec


def all_sources() -> list[SourceSpec]:
    from ingestion.sources import consent, email, phone, reference, sales, surveys, web

    return [*sales.SOURCES, *email.SOURCES, *web.SOURCES, *phone.SOURCES, *surveys.SOURCES, *consent.SOURCES,
            *reference.SOURCES]


@cache
def declared_load_modes() -> dict[str, LoadMode]:
    """Raw table name -> the load mode its spec declares."""
    return {spec.raw_table: spec.load_mode for spec in all_sources()}


__all__ = ["LoadMode", "ReadContext", "SourceSpec", "all_sources", "declared_load_modes"]
