"""Words of self-harm or crisis in a text: the matcher that raises an urgent alert.

Pure and deliberately eager: a missed crisis is far worse than a false alarm, so common
misspellings, inflections and texting shorthand ("sucide", "killing myself", "kms",
"od'd") count, and an unclear message counts. Only two things keep a phrase out: an idiom
that never meant harm ("this traffic is killing me", "I'd die for a coffee", "dying to see
you" never match, because the phrases need a self-directed object or a wish to die), and a
plain negation right before it ("I'm not suicidal", "I would never hurt myself"). A
negation with anything else in between ("not sure I want to live") does not count as one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SELF = r"(?:my\s?self|my\s?slef|my\s?sef|my\s?sefl|my\s?slf|meself|mself|myselve?s?)"
_KILL = r"k+i+l+(?:l+|s|ed|led|ing|ling|lin|lling|in)?"
_HARM_VERB = (
    rf"(?:{_KILL}|hurt(?:s|ing)?|harm(?:s|ed|ing)?|cut(?:s|ting)?|hang(?:s|ing|ed)?"
    r"|shoot(?:s|ing)?|shot|hung|stab(?:s|bing|bed)?|drown(?:s|ing|ed)?|poison(?:s|ing|ed)?"
    r"|starv(?:e|es|ing|ed)|off(?:ing|ed)?|end(?:s|ing|ed)?|unaliv(?:e|es|ing|ed)"
    r"|burn(?:s|ing|ed)?)"
)
_SUICIDE = r"(?:s+u+i?[cs]+[iy]?d(?:e|es|al|ial|ality|ed|ing)?|sewer\s?slide|unaliv\w*)"


@dataclass(frozen=True)
class _Phrase:
    name: str
    pattern: re.Pattern[str]
    negatable: bool  # "not X" means the opposite; False where the phrase holds its own "not"


def _p(name: str, pattern: str, *, negatable: bool = True) -> _Phrase:
    return _Phrase(name, re.compile(rf"\b(?:{pattern})\b"), negatable)


PHRASES: tuple[_Phrase, ...] = (
    _p("suicide", _SUICIDE),
    _p("self_directed_harm", rf"{_HARM_VERB}\s+{_SELF}"),
    _p("self_harm", r"self[\s-]?(?:harm\w*|injur\w*|mutilat\w*)|sh\s+urges"),
    _p("kms", r"kms|kys"),
    _p(
        "end_life",
        r"end(?:s|ing)?\s+(?:my|it)\s+(?:own\s+)?(?:life|all)"
        r"|end\s+(?:it|things)\s+(?:tonight|today|now|for\s+good)"
        r"|tak(?:e|ing)\s+my\s+(?:own\s+)?life"
        r"|(?:going\s+to|gonna|want\s+to|wanna|plan\s+to|feel\s+like|thinking\s+(?:about|of))"
        r"\s+(?:just\s+)?end(?:ing)?\s+(?:it|things|everything)(?:\s+all)?"
        r"|want\s+(?:it\s+all|everything|it)\s+to\s+end",
    ),
    _p(
        "despair",
        r"feel(?:ing)?\s+like\s+(?:dying|i\s+(?:want\s+to|should)\s+die)"
        r"|done\s+(?:with\s+life|with\s+living|living)"
        r"|(?:life|living)\s+(?:is\s+)?(?:not|isnt|aint)\s+worth|not\s+worth\s+living"
        r"|point\s+(?:in|of|to)\s+(?:living|life|going\s+on|being\s+alive)"
        r"|cant\s+(?:keep\s+going|carry\s+on)|sleep\s+forever|stop\s+existing"
        r"|(?:no|lost\s+the|lost\s+my)\s+will\s+to\s+live|thoughts\s+of\s+(?:death|dying)"
        r"|wish\s+i\s+could\s+(?:just\s+)?disappear|hate\s+(?:my\s+life|being\s+alive|living)"
        r"|(?:goodbye|bye)\s+(?:everyone|forever)|this\s+is\s+goodbye|final\s+goodbye"
        r"|wont\s+be\s+(?:around|here)\s+(?:much\s+)?longer|wont\s+be\s+alive"
        r"|(?:started|start|im|i\s+am|been)\s+cutting\s+again"
        r"|jump(?:ing)?\s+in\s+front\s+of\s+a\s+(?:train|car|bus|truck)"
        r"|(?:bought|got)\s+a\s+rope",
        negatable=False,
    ),
    _p(
        "wish_to_die",
        r"(?:want|wanna|wanted|wanting|wish|ready|deserve|going|gonna|plan|planning)"
        r"\s+(?:to\s+)?(?:just\s+)?(?:die|be\s+dead)"
        r"|(?:want|wanna|wish)\s+to\s+(?:just\s+)?not\s+(?:be\s+)?(?:here|alive|exist)"
        r"|wish\s+i\s+(?:was|were|could\s+be|had)\s+(?:dead|died|never\s+been\s+born)"
        r"|better\s+off\s+(?:dead|without\s+me|gone)|let\s+me\s+die|i\s+should\s+(?:just\s+)?die"
        r"|kill\s+me\s+(?:please|already)|please\s+(?:just\s+)?kill\s+me",
    ),
    _p(
        "no_will_to_live",
        r"(?:dont|do\s+not|dont\s+really|no\s+longer)\s+(?:want\s+to|wanna|wish\s+to)"
        r"\s+(?:live|be\s+alive|wake\s+up|exist|be\s+here|go\s+on)"
        r"|no\s+point\s+(?:in\s+|to\s+)?(?:living|live|going\s+on|go\s+on|carrying\s+on)"
        r"|(?:no|nothing)\s+(?:left\s+)?to\s+live\s+for"
        r"|no\s+reason\s+(?:left\s+)?to\s+(?:live|stay|be\s+here|go\s+on|keep\s+going)"
        r"|cant\s+go\s+on(?:\s+(?:like\s+this|anymore|any\s+more|living)|\s*$)"
        r"|cant\s+(?:do\s+this|take\s+it|take\s+this)\s+any\s?more"
        r"|(?:tired|sick)\s+of\s+(?:living|being\s+alive)|never\s+wake\s+up"
        r"|(?:not\s+sure|dont\s+know\s+if)\s+i\s+want\s+to\s+(?:live|be\s+alive|go\s+on)"
        r"|(?:nobody|no\s+one)\s+would\s+(?:miss\s+me|care\s+if\s+i)",
        negatable=False,
    ),
    _p(
        "overdose",
        r"over\s?-?\s?dos\w*|oded|od\s?ing|od"
        r"|(?:took|swallowed|taking|take)\s+(?:all|too\s+many|a\s+bottle\s+of|the\s+whole"
        r"\s+bottle\s+of)\s+(?:of\s+)?(?:my\s+|the\s+)?(?:pills|meds|medication|tablets)",
    ),
    _p(
        "means",
        r"jump(?:ing)?\s+off\s+(?:a|the|this)\s+(?:bridge|building|roof|cliff|ledge)"
        rf"|use\s+(?:it|them|this|that)\s+on\s+{_SELF}"
        r"|gun\s+to\s+my\s+head|slit(?:ting)?\s+my\s+wrists?|noose|suicide\s+note"
        r"|goodbye\s+note",
    ),
    _p(
        "crisis",
        r"in\s+(?:a\s+)?crisis|crisis\s+(?:line|hotline|text\s+line)"
        r"|(?<![\d-])988(?![\d-])|(?:dont|do\s+not)\s+feel\s+safe"
        r"|not\s+safe\s+(?:with|around)\s+my\s?self|(?:im|i\s+am)\s+not\s+safe"
        r"|(?:want|wanna)\s+to\s+disappear\s+forever",
        negatable=False,
    ),
)

# Idioms that look like a phrase above but never meant harm.
_FOOD_AND_FUN = (
    r"(?:coffee|caffeine|sugar|candy|chocolate|cake|pizza|netflix|tv|cuteness|carbs|cookies"
    r"|sweets|tea|memes|love|work|studying|books)"
)
_IDIOMS = re.compile(
    r"\b(?:"
    rf"(?:over\s?-?\s?dos\w*|oded|od\s?ing|od)\s+on\s+{_FOOD_AND_FUN}"
    rf"|\w+\s+myself\s+in\s+{_FOOD_AND_FUN}|\w+\s+myself\s+out\b"
    r"|\d+(?:\.\d+)?\s*kms|die\s+my\s+hair|suicide\s+(?:squad|doors?)"
    r"|die\s+(?:of|from)\s+(?:embarrassment|boredom|laughter|laughing|shame|hunger|cuteness"
    r"|heat|old\s+age)|die\s+laughing|sho(?:ot|t)\s+myself\s+in\s+the\s+foot"
    r"|(?:hurt|injured)\s+myself\s+(?:at\s+the\s+gym|lifting|running|playing|skiing|falling"
    r"|on\s+(?:a|the|my))"
    r"|cut\s+myself\s+(?:shaving|cooking|chopping|on\s+(?:a|the)|by\s+accident)"
    r"|burn(?:ed|t)?\s+myself\s+(?:cooking|on\s+(?:a|the)|with\s+(?:the\s+)?(?:iron|stove|oven"
    r"|pan|kettle|coffee|tea))"
    r")"
)
_OD_D = re.compile(r"\bo\.?d\.?'d\b")
# A negation directly before a phrase, with only these words in between, cancels it.
_NEGATORS = frozenset(
    re.findall(
        r"\w+",
        "not never no nor wont wouldnt isnt arent dont didnt without denies deny cant couldnt aint",
    )
)
_FILLERS = frozenset(
    re.findall(
        r"\w+",
        "i im am be been being have had has ever going to gonna want wanted wanting trying "
        "planning thinking of about feel feeling felt would will any thoughts thought plans plan "
        "intention urge urges really at all currently anymore",
    )
)


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, apostrophes and most punctuation dropped."""
    plain = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    plain = plain.lower()
    plain = _OD_D.sub(" overdosed ", plain)  # before apostrophes go: "od'd" is not "odd"
    plain = plain.replace("'", "")
    plain = re.sub(r"[^a-z0-9.\s-]", " ", plain)
    plain = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", plain)  # keep 2.5, drop full stops
    return " ".join(plain.split())


# Where a negation's reach ends: "No, I want to die" is a "no" to something else.
_CLAUSE_END = re.compile(r"[,;:!?\n]|(?<![0-9])\.|\.(?![0-9])")
# "never wanted to die more": the words after the phrase undo the negation before it.
_INTENSIFIED = re.compile(r"^\s*(?:more|so\s+much|than)\b")


def crisis_terms(text: str) -> list[str]:
    """The names of the crisis phrases ``text`` holds (none: no alert)."""
    plain = _IDIOMS.sub(" ", normalise(text))
    lowered = _OD_D.sub(" overdosed ", text.replace("\u2019", "'").lower())
    clauses = [_IDIOMS.sub(" ", normalise(part)) for part in _CLAUSE_END.split(lowered)]
    return [phrase.name for phrase in PHRASES if _said(phrase, plain, clauses)]


def _said(phrase: _Phrase, plain: str, clauses: list[str]) -> bool:
    """Does the text hold ``phrase`` other than plainly negated within its own clause? A
    phrase that only matches across clauses counts (eager, as the module says)."""
    if not phrase.pattern.search(plain):
        return False
    if not phrase.negatable:
        return True
    matched = False
    for clause in clauses:
        for match in phrase.pattern.finditer(clause):
            matched = True
            negated = _negated(clause[: match.start()])
            if not negated or _INTENSIFIED.match(clause[match.end() :]):
                return True
    return not matched


def is_crisis(text: str) -> bool:
    return bool(crisis_terms(text))


def _negated(before: str) -> bool:
    """Is the phrase after ``before`` plainly negated ("not", then only filler words)?"""
    for word in reversed(before.split()[-6:]):
        if word in _NEGATORS:
            return True
        if word not in _FILLERS:
            return False
    return False
