"""The one measured table of notebook run times (seconds, whole notebook, top to bottom).

Written by ``scripts/record_times.py`` from the times the notebook tests measure
(``tests/test_notebooks.py`` stores them in ``.artifacts/notebook_times.json``); read by
:func:`helpers.notebook.section_seconds`. Do not edit the numbers by hand: re-measure.
"""

MACHINE = "a 2-core Intel Xeon server CPU (the course's test machine)"

SECONDS = {
    "00_start_here": 11.0,
    "01_intuition": 25.0,
    "02_image": 52.0,
    "03_text": 26.0,
    "04_tabular": 13.0,
    "05_audio": 90.0,
    "06_ssl": 23.0,
    "07_reference": 15.0,
    "08_applications": 92.0,
    "09_drills": 17.0,
}
