"""`make report`: what a clinic's patients ask, read from the tracker store the assistant already writes.

Modules, one job each: ``store`` reads Rasa's ``events`` table read-only,
``conversations`` turns events into answered/unanswered turns and votes
(``feedback`` defines the vote events), ``privacy`` masks contact details,
``grouping`` clusters unanswered questions with the NLU's sentence encoder
(``encoder``), ``summary`` counts, ``charts`` draws inline SVG, ``html_report``
and ``csv_report`` write the files, ``report`` runs it all (``__main__`` is the
command line), ``synthetic`` generates traffic for tests and the benchmark.
"""
