# Gold annotations, written by hand while reading each text.
# Each entry: (content, speaker, speaker_name, cue, kind)
# content may be (string, occurrence_index); speaker/cue are located nearest to content.
A = {}
A["GUM_news_afghan"] = [
 ("the participation of this team in this science competition shows progress in Afghanistan's response to nearly two decades of military conflict", "Afghan Ambassador to the United States Hamdullah Mohib", "Hamdullah Mohib", "According to", "indirect"),
 ("in their first matchup, the Afghan team's robot, named \"Better Idea of Afghan Girls,\" scored one or two points for the three-nation alliance with the Gabonese and Estonian teams", "Alireza Mehraban", "Alireza Mehraban", "According to", "indirect"),
 ("We are so interested because we find a big chance to show the talent and ability of Afghans,", "team member Rodaba Noori", "Rodaba Noori", "told the press", "direct"),
 ("to show that Afghan women can make robots too and we can improve in this section — [the] robotics section. We were so interested because we hadn't long or enough time to get ready for competition but we came to United States and now we are here because of Trump intervention.", "team member Rodaba Noori", "Rodaba Noori", "told the press", "direct"),
 ("there were concerns they would attempt to remain in the United States or in Canada after the contest", "Afghan Ambassador Hamdullah Mohib", "Hamdullah Mohib", "says", "indirect"),
 ("Seventeen years ago, this would not have been possible at all,", "Ambassador Mohib", "Hamdullah Mohib", "said", "direct"),
 ("They represent our aspirations and resilience despite having been brought up in a perpetual conflict. These girls will be proving to the world and the nation that nothing will prevent us from being an equal and active member of the international community.", None, "Hamdullah Mohib", None, "direct"),
]
A["GUM_news_asylum"] = [
 ("fisherman first noticed the people and a warship was deployed to retrieve them", "Major general Fuad Basya", "Fuad Basya", "said", "indirect"),
 ("the asylum seekers found in the water may have left the boat on purpose to be rescued to avoid being sent away from Indonesia waters", "Basya", "Fuad Basya", "believes", "indirect"),
 ("the Untied Nations and United States have both criticised", "AFP", "AFP", "according to", "indirect"),
 ("We are in contact with all relevant parties, with whom we share the desire to find a solution to this crisis", "Najib Razak", "Najib Razak", "said", "direct"),
 ("John Kerry, the Secretary of State, contacted Thailand's foreign minister over temporary housing for the Rohingya out at sea", "The US State Department", "the US State Department", "said", "indirect"),
 ("We urge the governments of the region to work together quickly, first and foremost, to save the lives of migrants now at sea who are in need of an immediate rescue effort", "Jeff Rathke", "Jeff Rathke", "said", "direct"),
 ("the governments of South East Asia not to turn away boats of people seeking asylum", "Rathke", "Jeff Rathke", "asked", "indirect"),
]
A["GUM_news_clock"] = [
 ("the hashtag on Twitter, #IStandWithAhmed, had become an international phenomenon", "The Deseret News", "the Deseret News", "observed", "indirect"),
 ("what began as individual messages to Mohamed had grown into a \"support movement", "The Straits Times", "the Straits Times", "noted", "mixed"),
 ("Hoping that the #istandwithahmed movement translates into a substantive national conversation on race, punishment, and incarceration.", "American academic and professor Marc Lamont Hill", "Marc Lamont Hill", "commented", "direct"),
 ("he was taking his entire family to the U.N. headquarters in New York, because international dignitaries wanted to meet with his son and express their support", "His father Mohamed El-Hassan Mohamed", "Mohamed El-Hassan Mohamed", "said", "indirect"),
 ("she felt Mohamed had been subject to Islamophobia and her hashtag created greater awareness about this issue", "Jafari", "Amneh Jafari", "said", "indirect"),
 ("Cool clock, Ahmed. Want to bring it to the White House? We should inspire more kids like you to like science. It's what makes America great.", "US President Barack Obama", "Barack Obama", "tweeted", "direct"),
 ("the boy was welcome to come and tour the company", "Facebook co-founder Mark Zuckerberg", "Mark Zuckerberg", "said", "indirect"),
 ("Mohamed wishes to use his newfound fame and attention to spotlight social causes including the treatment of Muslims in the United States", "Alia Salem", "Alia Salem", "said", "indirect"),
 ("the large amount of positive feedback for Mohamed had helped make his situation much better", "Sehar Memon", "Sehar Memon", "said", "indirect"),
 ("she believed the social movement in reaction to Mohamed helped improve Muslim / non-Muslim", "Memon", "Sehar Memon", "said", "indirect"),
 ("the boy's religion and name were not a factor in the manner in which they approached the situation", "Both the Irving Independent School District and the Irving Police Department", "the Irving Independent School District and the Irving Police Department", "have asserted", "indirect"),
]
A["GUM_news_crane"] = [
 ("A storm yesterday caused a crane to fall into Mecca's Grand Mosque, killing 107 or more and wounding 238", "Saudi Arabia's Civil Defense Authority", "Saudi Arabia's Civil Defense Authority", "according to", "indirect"),
 ("All those who were wounded and the dead have been taken to hospital. There are no casualties left at the location.", "Civil Defense Authority director General Suleiman al-Amr", "Suleiman al-Amr", "said", "direct"),
 ("Had it happened an hour later it would have been much worse,", "Khaled Al-Maeena", "Khaled Al-Maeena", "said", "direct"),
 ("Had it happened five hours earlier or four hours earlier, I think the death toll would have been more than a thousand.", None, "Khaled Al-Maeena", None, "direct"),
]
A["GUM_news_defector"] = [
 ("a defector from the elite group within Scientology called the Sea Org was first persuaded to travel back to a management building for the organization in California, where he was interrogated by an attorney for Scientology and then arrested", "Recent reports", "Recent reports", "have revealed", "indirect"),
 ("he would assist him with future employment and housing", "Devocht", "Tom Devocht", "had told", "indirect"),
 ("the Scientology property in question was returned by mail to the organization by Montalvo shortly after he left the Sea Org", "Rathbun", "Mark Rathbun", "According to", "indirect"),
 ("they have not received the materials", "Scientology officials", "Scientology officials", "have stated", "indirect"),
 ("Moxon proceeded to lie to Daniel that the hard drives were never returned, and made a convincing case (not difficult to do with a 19 year old who does not even know the three branches of government) that Daniel would be put behind iron bars for a good long time, UNLESS of course, he returned and cooperated with Moxon and routed out properly.", "Rathbun", "Mark Rathbun", "wrote", "direct"),
 ("a detective for the Los Angeles Sheriff's office was provided with material from Scientology to build a case against Montalvo", "Rathbun", "Mark Rathbun", "According to", "indirect"),
 ("Daniel was picked up by an investigator in a black car with blacked out windows. Instead of being taken to a hotel, where he could route out as promised, he was taken to the Century City Towers. He was deposited in an office on the 33rd floor where a pricy church lawyer interrogated him for two hours.", "Rathbun", "Mark Rathbun", "stated", "direct"),
 ("Scientology officials, \"... plied the Sheriff's detective with a grand conspiracy theory, characterizing me as the 'anti-christ' of the church of Scientology. ... The next thing Daniel knows he's in a cell where he sat for the next 30 hours.", "Rathbun", "Mark Rathbun", "asserted", "mixed"),
 ("the case involving Montalvo was being dealt with as charges relating to grand theft", "Steve Whitmore", "Steve Whitmore", "told LA Weekly", "indirect"),
 ("Montalvo left Scientology-related employment in Los Angeles on September 24", "Whitmore", "Steve Whitmore", "stated", "indirect"),
 ("Montalvo allegedly left the organization with computer hard drives", "they", "Scientology officials", "claimed", "indirect"),
 ("on October 6 after traveling back from Florida, Montalvo \"walked into lobby of the East L.A. station and turned himself in", "Whitmore", "Steve Whitmore", "told LA Weekly", "mixed"),
 ("the alleged crime involved five hard drives each of $ 200 in value", "Whitmore", "Steve Whitmore", "stated to LA Weekly", "indirect"),
 ("facing the penitentiary in thanks for the following sins: a) Leaving a lifehood of slavery to get a taste of freedom and the world. b) Refusing - despite every provocation and incentive and threat - to frame three guys who went out of their ways (and dipped into their pockets) to help the kid achieve that freedom.", "He", "Mark Rathbun", "described", "direct"),
]
A["GUM_news_election"] = []
A["GUM_news_expo"] = []
A["GUM_news_flag"] = [
 ("New Zealand's flag has never before been open to public choice", "Emeritus Professor John Burrows", "John Burrows", "said", "indirect"),
 ("resources and kits would be accessible for schools and communities,\" For example, schools can run their own flag discussions and referendums to mirror the formal process as part of their own learning exercise", "Professor Burrows", "John Burrows", "said", "mixed"),
 ("he believes redesigning the flag now has a \"strong rationale", "New Zealand's Prime Minister John Key", "John Key", "said", "mixed"),
 ("In the end I'll have one vote in each referendum just like every other New Zealander on the electoral roll", "he", "John Key", "said", "direct"),
]
A["GUM_news_hackers"] = [
 ("the Church of Scientology's website is being attacked by hackers, causing the site to shut down", "an Internet posting", "an Internet posting", "according to", "indirect"),
 ("the incident was prompted by the Church of Scientology's attempts to remove a promotional video featuring Scientologist Tom Cruise from YouTube", "The \"History\" section of the site", "the History section of the site", "explains", "indirect"),
 ("they will keep hosting the video", "other sites such as Gawker.com", "other sites such as Gawker.com", "have stated", "indirect"),
 ("So far, it's the Internet: 1, Scientology: 0. But it's a long game.", "Matthew Ingram", "Matthew Ingram", None, "direct"),
 ("Scientology vs. the Internet, part XVII", "Matthew Ingram", "Matthew Ingram", "dubbed", "direct"),
 ("another small skirmish in a war that Scientology has been waging for almost 15 years, since the early days of newsgroups such as alt.religion.scientology, which posted internal church documents in 1994. Lawsuits have been filed, mailing lists have been shut down, homes of discussion group participants have been raided and their computers seized -- an all-out war.", "He", "Matthew Ingram", "characterized", "direct"),
 (("Prompted I think by the Tom Cruise video, a new obsession is taking hold on the internet. An insurgency against The Church of Scientology.", 0), "Anonymous blogger", "Anonymous blogger", None, "direct"),
 ("I have myself, as per instructions, loaded up Gigaloader and started bombarding the Scientology homepage. Theres [sic] something in the hilarious anarchy of the net that produces these 'events' every now and again.", "One poster", "One poster", "writing in a blog post", "direct"),
 (("Prompted I think by the Tom Cruise video, a new obsession is taking hold on the internet. An insurgency against The Church of Scientology.", 1), "The poster", "One poster", "wrote", "direct"),
 ("Someone emailed me earlier today talking about a tool a group’s been using to attack the scientology website. It’s an interesting tool, created to overload/create malformed strings and crash a website’s database,", "the post by an unknown author on pigmy", "the post by an unknown author on pigmy", "said", "direct"),
 ("when they are able to reach the site, all they get is a message stating, \"The word scientology means search for truth ...", "Some individuals", "Some individuals", "reported", "mixed"),
 ("a denial-of-service attack had occurred", "Posts on the message board for the Scientology-critic site Operation Clambake", "Posts on the message board for the Scientology-critic site Operation Clambake", "theorized", "indirect"),
 ("as of Friday the Scientology.org site was either not loading at all, or loading very slowly", "Posts on the message board for the Scientology-critic site Operation Clambake", "Posts on the message board for the Scientology-critic site Operation Clambake", "wrote", "indirect"),
 ("How can people look at both sides if one side is gone?", "one poster", "one poster", "writing", "direct"),
]
A["GUM_news_homeopathic"] = [
 ("Gloria spent a lot of the last five months of her life crying, irritable, scratching and the only thing that gave her solace was to suck on her mother's breast.", "Mark Tedeschi", "Mark Tedeschi", "in the words of", "direct"),
 ("over the last five months of her life, \"Gloria's eczema played a devastating role in her overall health and it is asserted by the Crown that both her parents knew this and discussed it with each other.", "Mr. Tedeschi", "Mark Tedeschi", "told the court", "mixed"),
 ("I am not able to do that", "he", "Thomas Sam", "replied", "direct"),
 ("her skin was weeping, her body malnourished and her corneas melting", "the Sydney Morning Herald", "the Sydney Morning Herald", "according to", "direct"),
 ("as the parents came from India, where homeopathy is in common use, they should be declared not guilty due to cultural differences", "Tom Molomby", "Tom Molomby", "said", "indirect"),
]
A["GUM_news_korea"] = [
 ("the country's military has been placed on high alert and has been told to prepare a \"quasi-state of war", "Yonhap news agency", "Yonhap news agency", "According to", "mixed"),
 ("War maniacs of the South Korean puppet military made another grave provocation to the DPRK in the central western sector of the front on Thursday afternoon. They perpetrated such reckless action as firing 36 shells at KPA civil police posts under the absurd pretext that the KPA fired one shell at the south side. Six shells of them hit the area near KPA civil police posts 542 and 543 and other 15 shells fell near KPA civil police posts 250 and 251", "KCNA", "Korean Central News Agency", "said", "direct"),
 ("Foolhardy provocation deserves harsh punishment", "it", "Korean Central News Agency", "added", "direct"),
 ("Kim Jong-un issued an order of the supreme commander of the Korean People's Army [KPA] that the front-line large combined units of the KPA should enter a wartime state to be fully battle ready to launch surprise operations", "it", "Korean Central News Agency", "added", "direct"),
 ("Commanders of the Korean People's Army were hastily dispatched to the front-line troops to command military operations to destroy psychological warfare tools if the enemy does not stop the propaganda broadcast within 48 hours and prepare against the enemy's possible counteractions", "KCNA", "Korean Central News Agency", "added", "direct"),
 ("the broadcasts will continue", "South Korea", "South Korea", "says", "indirect"),
 ("it would attack any loudspeakers broadcasting propaganda and would respond, militarily, within 48 hours if the broadcasts do not stop", "North Korea", "North Korea", "stated", "indirect"),
]
A["GUM_news_lanterns"] = [
 ("this year the city expects about 6 million visitors", "the event website", "the event website", "according to", "indirect"),
]
A["GUM_news_nasa"] = [
 ("We want to thank all of the locations that expressed an interest in one of these national treasures,", "Bolden", "Charles Bolden", "said", "direct"),
 (("This was a very difficult decision, but one that was made with the American public in mind. In the end, these choices provide the greatest number of people with the best opportunity to share in the history and accomplishments of NASA's remarkable Space Shuttle Program. These facilities we've chosen have a noteworthy legacy of preserving space artifacts and providing outstanding access to U.S. and international visitors.", 0), None, "Charles Bolden", None, "direct"),
 ("Like many Texans, I am disappointed with NASA's decision to slight the Johnson Space Center as a permanent home for one of the Space Shuttle Orbiters. Houston has played a critical role throughout the life of the space shuttle, but it is clear political favors trumped common sense and fairness in the selection of the final locations for the orbiter fleet.", "U.S. Senator John Cornyn", "John Cornyn", "issued a statement", "direct"),
 ("There is no question Houston should have been selected as a final home for one of the orbiters — even Administrator Bolden stated as much. Today's announcement is an affront to the thousands of dedicated men and women at Johnson Space Center, the greater Houston community and the State of Texas, and I’m deeply disappointed with the Administration's misguided decision.", "Cornyn's statement", "John Cornyn", "added", "direct"),
 ("The Museum of Flight put a tremendous amount of effort into landing a retired shuttle in the Pacific Northwest. As the home of modern day air travel and the 747, which has gracefully transported shuttles for the last 30 years, Seattle would have been a perfect fit. While the Museum of Flight was in the top running, I’m disappointed that NASA did not choose them.", "Governor of Washington Chris Gregoire", "Chris Gregoire", "said", "direct"),
 ("However, the full fuselage trainer, that every astronaut including [former Museum of Flight CEO] Bonnie Dunbar has been trained on, will soon call the Museum of Flight home. The largest of the trainers, this addition will allow visitors to actually climb aboard the trainer and experience the hands-on training that astronauts get. Visitors will not be allowed in the other shuttles and this trainer is a true win for our dynamic museum. It will help inspire young people to the adventure of space and to the excitement of a career in science, technology, engineering and math.", None, "Chris Gregoire", None, "direct"),
]
A["GUM_news_ie9"] = [
 ("it is time for IE6 users to move away from the antiquated 10-year-old browser", "Microsoft", "Microsoft", "announced", "indirect"),
 ("[Ten] years ago, a browser was born. Its name was Internet Explorer 6. Now that we’re in 2011, in an era of modern web standards, it’s time to say goodbye,", "Microsoft", "Microsoft", "says", "direct"),
 ("Usually, Internet Explorer is the #2 browser after Firefox, but over the past 30 days it's been #3, a couple of points behind Safari - and nearly tied with Chrome. It might be a statistical blip. But if it isn't, and Chrome continues to surge, IE could fall to fourth place.", "PC World's recent analysis of its own web traffic statistics", "PC World", "concluded", "direct"),
 ("as of March 4, 2011, IE6 has 277 vulnerabilities; 39 percent of these are rated \"highly critical", "The Internet security firm Secunia.com", "Secunia.com", "has said", "mixed"),
 ("the latest versions of Internet Explorer provide the user with enhanced protection from these attacks and threats", "Microsoft", "Microsoft", "says", "indirect"),
]
A["GUM_news_imprisoned"] = [
 ("the Church of Scientology imprisoned her for twelve years aboard the Scientology - owned cruise ship, Freewinds", "Valeska Paris, an Australian woman and former Scientologist", "Valeska Paris", "has claimed", "indirect"),
 ("she was first sent to the ship aged eighteen for two weeks as a teenager but ended up spending twelve years there", "Paris", "Valeska Paris", "claims", "indirect"),
 ("her passport was taken away from her and she was forced to work in the engine room", "Paris", "Valeska Paris", "also claims", "indirect"),
 ("she was kept at Flag Land Base in Clearwater, Florida until she was eighteen and then transferred to the Freewinds", "Paris", "Valeska Paris", "claims", "indirect"),
 ("she was working from 6:00am to midnight and due to lack of sleep ended up being a walking zombie", "Paris", "Valeska Paris", "claims", "indirect"),
 ("in 1997 and 1998, she was tasked with removal of asbestos from the ship", "She", "Valeska Paris", "also claims", "indirect"),
 ("Paris was a volunteer", "They", "the Church of Scientology", "also claimed", "indirect"),
 ("she has a vested interest for misrepresenting her experiences with the Church", "They", "the Church of Scientology", "claim", "indirect"),
 ("Paris not having her passport was maritime procedure", "The Church", "the Church of Scientology", "also claims", "indirect"),
]
