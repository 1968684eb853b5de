A = {}
A["GUM_interview_ants"] = [
 ("I have no doubt that as time goes on, there will be more and more cases documented", None, "Nick Bos", None, "direct"),
 ("self-medicating ants a first among insects", "The Independent", "The Independent", "reported", "indirect"),
]
A["GUM_interview_brotherhood"] = []
A["GUM_interview_chomsky"] = [
 ("Professor Chomsky is the eighth most cited scholar of all time", "the Arts and Humanities Citation Index", "the Arts and Humanities Citation Index", "According to", "indirect"),
 ("NATO would not expand one inch to the east", "George Bush and James Baker, secretary of state", "George Bush and James Baker", "agreed", "indirect"),
 ("NATO must take on responsibility for ensuring the security of pipelines and sea lanes, that is NATO must be a guarantor of energy supplies for the West", "he", "Hoop Scheffer", "has explained", "indirect"),
]
A["GUM_interview_cocktail"] = [
 ("When he was winning in the polls, I thought, 'OK, I'll do a Santorum'.", "Stan", "Jonathan M. Stan", "commented", "direct"),
 ("We'll keep it around until he’s irrelevant. I hope he’s there the whole way", "Stan", "Jonathan M. Stan", "remarked to The Brooklyn Paper", "direct"),
 ("My Santorum was sweet but balanced, with a subtle citrus pucker", "Patterson", "Troy Patterson", "observed", "direct"),
 ("To have a business allow that type of filth to be purveyed through their website or through their system is something that they say they can't handle. I suspect that's not true.", "he", "Rick Santorum", "was quoted", "direct"),
 ("It's offensive beyond, you know, anything that any public figure or anybody in America should tolerate, and the mainstream media laughs about it.", "Santorum", "Rick Santorum", "saying", "direct"),
]
A["GUM_interview_cyclone"] = []
A["GUM_interview_daly"] = [
 ("how she obtained these images of the anemone's anatomy", "Daly", "Marymegan Daly", "explained", "indirect"),
]
A["GUM_interview_dungeon"] = [
 ("If you think nice girls don't do S&M,", "one of our ads that I had put in", "one of our ads", "said", "direct"),
 ("-- think again.", None, "one of our ads", None, "direct"),
 ("Wow.", "they", "a bunch of them", "said", "direct"),
 ("Well, I won't hire them.", "he", "my husband", "would say", "direct"),
]
A["GUM_interview_gaming"] = [
 ("Hey, you'd get along with him really well.", "everyone, all of our friends and all of our acquaintances", "all of our friends and all of our acquaintances", "would say", "direct"),
]
A["GUM_interview_herrick"] = [
 ("what wikiHow is, why he decided to create it, how he grew it in size, and why he chose to use a Creative Commons license (HyperLink) for his site", "Herrick", "Jack Herrick", "explains", "indirect"),
 ("which makes us the 135th most popular site", "Quantcast", "Quantcast", "according to", "indirect"),
 ("wikiHow is a more humane and enjoyable place to work than other places online", "some folks", "some folks", "believe", "indirect"),
 ("In December 2008, wikiHow had over 14 million unique visitors", "Google Analytics", "Google Analytics", "according to", "indirect"),
]
A["GUM_interview_hill"] = []
A["GUM_interview_libertarian"] = [
 ("he favors parental school choice through student vouchers, simplification of Virginia's Tax Code, US Second Amendment - gun - rights, same-sex marriage, and reform of the state's drug laws", "Sarvis", "Robert Sarvis", "notes", "indirect"),
]
A["GUM_interview_licen"] = []
A["GUM_interview_mcguire"] = []
A["GUM_interview_mckenzie"] = []
A["GUM_interview_messina"] = [
 ("Hey Frank, my name is John,", "people", "people", "say", "direct"),
 ("Hey John, my name is Frank", "I", "Frank Messina", "say", "direct"),
 ("Frank, thank you, your work is great.", "someone", "someone", "says", "direct"),
 ("his brother was injured in the South", "a telegram", "a telegram", "telling him", "indirect"),
 ("in order to rise to the occasion you must be willing to go down with the ship", "me", "Frank Messina", "say", "direct"),
 ("Frank, I have never bothered you during the game, but I just wanted to say thank you for your work and thank you for making some sense of the successes and failures and I wish you much success with your work.", "The e-mail", "the e-mail", "said", "direct"),
 ("Poet says We Know", "these shirts", "these shirts", "said", "direct"),
 ("Thank you, Mets Poet, thank you.", "she", "a woman", "said", "direct"),
]
A["GUM_interview_onion"] = [
 ("they had decided on not doing political humor and, in particular, hackneyed political humor such as Ted Kennedy drinking jokes", "Stephen Colbert", "Stephen Colbert", "said", "indirect"),
 ("it was overdone, mean-spirited and not funny", "They", None, "felt", "indirect"),
]
A["GUM_interview_peres"] = [
 (("The future is only peace. The problem is how long will it take and how many victims will it call for.", 0), "Shimon Peres", "Shimon Peres", None, "direct"),
 ("modernity may endanger their tradition", "They", "the terrorists", "think", "indirect"),
 ("I say brains is the greater producer of wealth, not oil. It’s limitless, and you’ll see that the GNP of Israel is very close to the Saudis’. So they are 3 times larger than us and they have all the oil in the world. We have brains.", "Peres", "Shimon Peres", None, "direct"),
 ("you can be Muslim and modern", "They", "Turkey", "say", "indirect"),
]
A["GUM_interview_shalev"] = []
A["GUM_interview_stardust"] = [
 ("there should be around 45 particles", "He", "Markus Landgraf", "estimated", "indirect"),
 ("If we knew what we were doing, it wouldn't be called \"research\", would it?", "Einstein", "Einstein", "attributed to", "direct"),
]
