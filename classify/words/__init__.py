"""The words behind the signals, one module per kind of cue, apart from the code using them.

Kept as data so that a PIO-facing reason ("claims an active shooter") and the words that
found it sit side by side, and so that a language can be added to a list without touching
the scanning (:mod:`classify.scanner`) or the signals (:mod:`classify.signals`).

Lists cover English, Spanish, Vietnamese, Chinese and Tagalog, the languages most spoken in
Santa Clara after English. Conventions:

* ``word_list`` for languages that space their words: whole words or phrases, lower case,
  matched against folded, lower-cased text;
* ``phrase_list`` for scripts without spaces (Chinese), named with a ``_ZH`` suffix beside
  the word list of the same cue;
* every pattern is a regular expression, so a literal ``?`` or ``.`` is escaped.
"""
