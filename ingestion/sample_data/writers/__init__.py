"""Writers: turn simulated frames into the landing files of docs/landing_formats.md."""
