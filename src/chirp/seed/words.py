"""Word lists the generator draws names and texts from (fixed: changing them changes the data)."""

ADJECTIVES = (
    "amber brave calm dusty eager fuzzy gentle happy icy jolly keen lucky merry noble odd proud "
    "quiet rapid shy tidy urban vivid witty young zesty bold clever daring fancy grand"
).split()
NOUNS = (
    "otter falcon maple river comet badger cedar heron lynx meadow nebula orchid pebble quail "
    "raven sparrow tulip walrus yak zephyr acorn bison canyon dune ember fjord glacier harbor"
).split()
WORDS = (
    "the a of and to in is it that for on with as this was at by be from or have an are but not "
    "what all were when we there can your which their said if do will each about how up out "
    "them then she many some so these would other into has more her two like him see time could "
    "no make than first been its who now people my made over did down only way find use may "
    "water long little very after words called just where most know get through back much go "
    "good new write our me man too any day same right look think also around another came come "
    "work three word must because does part even place well such here take why things help put "
    "years different away again off went old number great tell men say small every found still "
    "between name should home big give air line set own under read last never us left end along "
    "while might next sound below saw something thought both few those always looked show large "
    "often together asked house world going want school important until form food keep children"
).split()
TAGS = (
    "photography art music news politics tech python rust science books gaming coffee cats dogs "
    "travel food climate space history movies design linux opensource fediverse mastodon poetry "
    "running cycling gardening cooking birds nature hiking writing podcast javascript privacy "
    "security econ football chess anime knitting baking vegan jazz indie retro maths physics "
    "astronomy sketch comics film theatre dance ux accessibility"
).split()
