"""Build the project's spaCy pipeline and save it where Rasa's SpacyNLP loads it.

Run as ``python -m spacy_pipeline.build_pipeline OUTPUT_DIR``. The lookup
tables come from ``spacy-lookups-data`` at build time and are saved with the
pipeline, so nothing is fetched when the assistant runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler

from spacy_pipeline.patterns import PATTERNS_FILE, load_ruler_patterns


def build_pipeline(patterns_file: Path = PATTERNS_FILE) -> Language:
    """Blank English + lookup lemmatizer + EntityRuler with the repo's patterns."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    ruler = nlp.add_pipe(
        "entity_ruler",
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True},
    )
    assert isinstance(ruler, EntityRuler)  # add_pipe is typed as returning any pipe
    ruler.add_patterns(load_ruler_patterns(patterns_file))
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path, help="directory to write the pipeline to")
    args = parser.parse_args()
    nlp = build_pipeline()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output)
    print(f"spaCy pipeline {nlp.pipe_names} written to {args.output}")


if __name__ == "__main__":
    main()
