//! Word lists: cue verbs, titles and roles, organisation heads, function words.
//!
//! Every list is general English news vocabulary; nothing here names a particular
//! person or story. Lookups go through one hash map from the lowercased word to a
//! bit set of the classes it belongs to.

use rustc_hash::FxHashMap;
use std::sync::LazyLock;

/// Speech or thought verb that takes a clause complement without "that" ("said Russia had …").
pub const CUE: u32 = 1;
/// Cue verb that needs "that" or a wh-word before its clause ("announced that …", "explained how …").
pub const CUE_STRICT: u32 = 1 << 1;
/// "tell" family: a person object comes before the clause ("told reporters …").
pub const CUE_TELL: u32 = 1 << 2;
/// Cue that only introduces a quotation in marks ("reads", "cited", "dubbed").
pub const CUE_QUOTE: u32 = 1 << 3;
/// Auxiliary or adverb that may sit between the speaker and the cue ("has also said").
pub const SKIP: u32 = 1 << 4;
/// Negation, modal or infinitive marker in front of a cue: not a report of speech.
pub const NEG: u32 = 1 << 5;
/// Word that ends a noun phrase when scanning backwards from a cue.
pub const BREAK: u32 = 1 << 6;
/// Title that precedes a name and is not part of it ("Foreign", "Minister", "Mr.").
pub const TITLE: u32 = 1 << 7;
/// Lowercase role noun that precedes a name ("spokesman", "coach").
pub const ROLE: u32 = 1 << 8;
/// Head noun of an organisation name ("Ministry", "Agency", "government").
pub const ORG: u32 = 1 << 9;
/// Personal pronoun usable as a speaker.
pub const PRON: u32 = 1 << 10;
/// Determiner or quantifier that can open a clause's subject.
pub const DET: u32 = 1 << 11;
/// Preposition inside a noun phrase ("Governor of Washington").
pub const CONN: u32 = 1 << 12;
/// Capitalised word that is not a name when it opens a sentence ("However", "Yesterday").
pub const STOP: u32 = 1 << 13;
/// Word that ends a time or setting adjunct after a cue ("said on Thursday", "in a statement").
pub const TIME: u32 = 1 << 14;
/// Wh-word that opens an embedded question ("explained how …").
pub const WH: u32 = 1 << 15;
/// Preposition that opens an adjunct after a cue.
pub const PREP: u32 = 1 << 16;
/// Subject pronoun / expletive that opens a clause ("it", "there", "they").
pub const SUBJ: u32 = 1 << 17;

const CUES: &str = "reporting say says said saying tell tells told telling add adds added adding claims claimed claiming \
believe believes believed think thinks \
thought states stated notes noted warn warns warned insist insists insisted argue argues argued \
admit admits admitted acknowledge acknowledges acknowledged estimates estimated predict predicts \
predicted observe observes observed assert asserts asserted tweeted commented remarked replies \
replied feel feels felt feared hoped expect expects expected contend contends \
contended stresses stressed emphasize emphasizes emphasized emphasise \
emphasises emphasised declare declares declared conclude concludes concluded explain explains \
explained respond responds responded recall recalls recalled reasoned";

const CUES_STRICT: &str = "announce announces announced reveal reveals revealed report reported write writes wrote writing \
maintain maintains maintained \
confirm confirms confirmed suggest suggests suggested indicate indicates indicated agree agrees agreed \
recommend recommends recommended ruled find found showed ask asks asked \
promise promises promised deny denies denied disclose discloses disclosed \
theorize theorizes theorized theorise theorised stating noting warning explaining arguing insisting \
announcing";

const CUES_TELL: &str = "tell tells told telling";

const CUES_QUOTE: &str = "reads cited quoted dubbed characterized characterised described wrote writing \
posted continued continues";

const SKIPS: &str = "has have had is was were be been also then later further previously recently reportedly \
already again repeatedly publicly earlier once still now just often initially subsequently quickly personally \
would will did does do himself herself itself themselves separately privately today yesterday meanwhile \
however too even simply flatly";

const NEGS: &str = "not never n't didn't doesn't don't hasn't haven't hadn't won't cannot can can't could \
couldn't may might must should to wouldn't isn't wasn't";

const BREAKS: &str = "that which who whom whose where when while because although though but if as after \
before since until unless so than whether and or nor with to from by for at in on into about against over \
under during without within among between like is are was were be been being has have had do does did says \
said say told tells believes think thinks not also what how why";

const TITLES: &str = "mr mr. mrs mrs. ms ms. dr dr. prof prof. sen sen. rep rep. gov gov. gen gen. lt lt. col \
col. capt capt. sgt sgt. st st. sir dame lord lady president vice prime minister ministers foreign interior \
defense defence finance home shadow secretary senator governor professor emeritus ambassador general major \
director chairman chairwoman chair ceo cfo coo chief executive spokesman spokeswoman spokesperson \
administrator undersecretary under-secretary deputy assistant associate senior junior judge justice attorney \
lieutenant colonel captain sergeant commander commissioner mayor chancellor king queen prince princess \
pope sheikh coach head officer representative congressman congresswoman councillor councilor counselor \
agent detective inspector superintendent constable archbishop bishop cardinal father reverend rev rev. \
rabbi imam president-elect premier minister-president speaker leader editor founder co-founder \
cofounder curator manager treasurer analyst economist researcher scientist author coauthor co-author \
mp mep qc sc pm kc";

const ROLES: &str = "spokesman spokeswoman spokesperson minister president secretary director chairman \
chairwoman chair chief coach member professor researcher co-founder cofounder founder editor official \
leader head governor senator mayor ambassador general commander analyst lawyer attorney prosecutor judge \
captain manager curator owner representative aide adviser advisor economist scientist author coauthor \
co-author executive treasurer officer student teacher expert undersecretary campaigner barrister activist \
candidate nominee ceo cfo administrator reporter correspondent journalist commentator columnist blogger \
chancellor premier deputy envoy negotiator prosecutor investigator inspector detective chief-executive \
vice-president president-elect host presenter producer director-general secretary-general major lecturer \
specialist consultant partner principal dean provost physician doctor surgeon nurse engineer architect \
historian academic sociologist psychologist biologist chemist physicist astronomer meteorologist \
climatologist mathematician philosopher novelist writer poet singer actor actress player striker midfielder \
defender goalkeeper forward veteran officer constable sheriff spokesmen spokeswomen officials leaders firm company group agency website site newspaper \
broadcaster station network outlet magazine daily paper organisation organization charity body outlet \
think-tank thinktank watchdog regulator";

const ORGS: &str = "authority department ministry agency office council committee commission court party \
government administration news times post herald press university institute foundation association union \
organisation organization army navy police service bureau board group company corporation inc inc. ltd \
ltd. church center centre museum society league federation network magazine journal paper website report \
study statement letter survey review gazette tribune guardian telegraph journal chronicle observer \
independent mail express standard examiner bank fund trust alliance coalition campaign movement program \
programme project institution parliament congress senate assembly cabinet kremlin pentagon embassy \
consulate team club department's officials authorities police military forces researchers scientists \
authors experts analysts critics lawyers prosecutors investigators sources officers doctors";

const PRONS: &str = "he she they it i we his";

const DETS: &str = "the a an this these those some many most all no every each its his her their our my \
your several few both any another other such one two three four five six seven eight nine ten more much";

const SUBJS: &str = "he she they it i we you there this that these those it's there's they're he's she's \
we're i'm you're it’s there’s they’re he’s she’s we’re i’m you’re nobody everyone someone nothing \
everything none";

const CONNS: &str = "of for at from with in on to";

const STOPS: &str = "the a an in on at by for from with to of and but or nor yet so if as after before since \
when while though although because however meanwhile moreover furthermore also still yet then thus here \
there this that these those it its he she they we i you his her their our my your monday tuesday wednesday \
thursday friday saturday sunday january february march april may june july august september october \
november december yesterday today tomorrow tonight last next earlier later now once according during \
despite image video audio photo file source sources related views read see category categories published \
archived speaking writing asked citing following under over about between among within without against \
into onto upon some many most all no every each other another such both either neither what which who \
whom whose where why how what's don't it's not only even just like unlike instead indeed importantly \
interestingly unfortunately fortunately finally";

const TIMES: &str = "monday tuesday wednesday thursday friday saturday sunday today yesterday tonight week \
weekend month year morning afternoon evening night statement interview conference call release post blog \
letter email e-mail tweet broadcast television radio programme program show briefing meeting speech court \
hearing website site page paper newspaper magazine report video message remarks address session debate \
forum event ceremony rally summit visit trip time times occasion account column article podcast \
documentary announcement appearance testimony filing note memo comments comment reporters journalists \
press media january february march april may june july august september october november december";

const WHS: &str = "how why what whether if when where who which";

const PREPS: &str = "on in at during via through to from after before over by last this earlier late later \
early late at";

static LEX: LazyLock<FxHashMap<&'static str, u32>> = LazyLock::new(|| {
    let mut m: FxHashMap<&'static str, u32> = FxHashMap::default();
    let lists: [(&'static str, u32); 18] = [
        (CUES, CUE),
        (CUES_STRICT, CUE_STRICT),
        (CUES_TELL, CUE_TELL),
        (CUES_QUOTE, CUE_QUOTE),
        (SKIPS, SKIP),
        (NEGS, NEG),
        (BREAKS, BREAK),
        (TITLES, TITLE),
        (ROLES, ROLE),
        (ORGS, ORG),
        (PRONS, PRON),
        (DETS, DET),
        (CONNS, CONN),
        (STOPS, STOP),
        (TIMES, TIME),
        (WHS, WH),
        (PREPS, PREP),
        (SUBJS, SUBJ),
    ];
    for (list, flag) in lists {
        for w in list.split_whitespace() {
            *m.entry(w).or_insert(0) |= flag;
        }
    }
    m
});

/// Classes of `word`; `buf` is scratch space for the lowercased form.
pub fn flags(word: &str, buf: &mut String) -> u32 {
    if word.len() > 24 {
        return 0;
    }
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            buf.extend(c.to_lowercase());
        }
    }
    LEX.get(buf.as_str()).copied().unwrap_or(0)
}
