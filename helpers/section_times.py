"""The one measured table of notebook run times (seconds, whole notebook, top to bottom).

Written by ``scripts/record_times.py`` from the times the notebook tests measure
(``tests/test_notebooks.py`` stores them in ``.artifacts/notebook_times.json``); read by
:func:`helpers.notebook.section_seconds`. Do not edit the numbers by hand: re-measure.
"""

MACHINE = "a 2-core AMD EPYC server CPU (the course's test machine)"

SECONDS = {
    "00_start_here": 10.0,
    "01_intuition": 25.0,
    "02_image": 45.0,
    "03_text": 25.0,
    "04_tabular": 15.0,
    "05_audio": 90.0,
    "06_ssl": 20.0,
    "07_reference": 20.0,
    "08_applications": 105.0,
    "09_drills": 10.0,
}
