"""The words behind the signals, one module per kind of cue, apart from the code using them.

Kept as data so that a PIO-facing reason ("claims an active shooter") and the words that
found it sit side by side, and so that a language can be added to a list without touching
the scanning (:mod:`classify.scanner`) or the signals (:mod:`classify.signals`).

Lists cover the languages of Santa Clara: English, Spanish, Vietnamese, Chinese (simplified
and traditional), Korean, Tagalog (and Taglish), Hindi in Devanagari and romanised Hindi
(Hinglish). Conventions:

* ``word_list`` for languages written in Latin letters (English, Spanish, Vietnamese,
  Tagalog, Hinglish): whole words or phrases, lower case, matched against lower-cased text
  (:func:`classify.scanner.lowered`);
* ``phrase_list`` for the other scripts, matched without word boundaries and only in text
  that contains the script: Chinese (``_ZH``, both scripts in one list), Korean
  (``script="hangul"``, ``_KO``: a stem matches with its particles, 총격 in 총격이) and
  Hindi in Devanagari (``script="devanagari"``, ``_HI``: written without the nukta, which
  :func:`~classify.scanner.lowered` removes, so फ़ायरिंग and फायरिंग are one word);
* every pattern is a regular expression, so a literal ``?`` or ``.`` is escaped;
* a cue in a language that puts its negation after the word (Korean, Hindi: 총격 아니래요,
  गोलीबारी नहीं हुई) is negated by :mod:`negation`'s ``NEGATOR_AFTER``.
"""
