// Names of companies and people, Chinese and English, and the competitors deals are
// lost to. Every name is built from the tables here with the generator's Rng.
#include "seed/seed_internal.h"

namespace seed::internal {
namespace {

struct City {
  const char* name;  // 上海 Shanghai
  const char* region;
  const char* pinyin;
  const char* postal;
  const char* street;
};

const std::vector<City>& ChineseCities() {
  static const std::vector<City> cities = {
      {"上海 Shanghai", "上海市", "shanghai", "201805", "嘉定区墨玉南路"},
      {"苏州 Suzhou", "江苏省", "suzhou", "215021", "工业园区星湖街"},
      {"杭州 Hangzhou", "浙江省", "hangzhou", "310051", "滨江区江南大道"},
      {"宁波 Ningbo", "浙江省", "ningbo", "315040", "高新区聚贤路"},
      {"北京 Beijing", "北京市", "beijing", "100176", "经济技术开发区科创街"},
      {"天津 Tianjin", "天津市", "tianjin", "300457", "滨海新区第三大街"},
      {"青岛 Qingdao", "山东省", "qingdao", "266101", "崂山区株洲路"},
      {"沈阳 Shenyang", "辽宁省", "shenyang", "110179", "浑南区创新路"},
      {"无锡 Wuxi", "江苏省", "wuxi", "214028", "新吴区长江路"},
      {"合肥 Hefei", "安徽省", "hefei", "230088", "高新区望江西路"},
  };
  return cities;
}

struct Brand {
  const char* zh;
  const char* en;
};

const std::vector<Brand>& ChineseBrands() {
  static const std::vector<Brand> brands = {
      {"恒锐", "hengrui"}, {"明辉", "minghui"},   {"华泰", "huatai"}, {"远航", "yuanhang"},
      {"瑞丰", "ruifeng"}, {"金桥", "jinqiao"},   {"新达", "xinda"},  {"嘉诚", "jiacheng"},
      {"宏图", "hongtu"},  {"天成", "tiancheng"}, {"博远", "boyuan"}, {"鼎盛", "dingsheng"},
      {"凯越", "kaiyue"},  {"正泰", "zhengtai"},  {"安捷", "anjie"},  {"力拓", "lituo"},
  };
  return brands;
}

struct Trade {
  const char* zh;        // 精密机械
  const char* industry;  // catalogue enum
};

const std::vector<Trade>& ChineseTrades() {
  static const std::vector<Trade> trades = {
      {"精密机械", "manufacturing"}, {"电子", "electronics"},    {"汽车零部件", "automotive"},
      {"化工", "chemicals"},         {"物流", "logistics"},      {"医药", "pharmaceuticals"},
      {"新能源", "energy"},          {"食品", "consumer_goods"}, {"纺织", "manufacturing"},
      {"电气", "electronics"},       {"建材", "construction"},   {"包装", "manufacturing"},
  };
  return trades;
}

struct Place {
  const char* city;
  const char* region;
  const char* country;
  const char* postal;
};

const std::vector<Place>& UsPlaces() {
  static const std::vector<Place> places = {
      {"Costa Mesa", "CA", "US", "92627"}, {"Austin", "TX", "US", "78701"},
      {"Columbus", "OH", "US", "43215"},   {"Charlotte", "NC", "US", "28202"},
      {"Denver", "CO", "US", "80202"},     {"Portland", "OR", "US", "97204"},
  };
  return places;
}

const std::vector<Place>& EuropePlaces() {
  static const std::vector<Place> places = {
      {"Stuttgart", "Baden-Württemberg", "DE", "70173"},
      {"Lyon", "Auvergne-Rhône-Alpes", "FR", "69002"},
      {"Eindhoven", "Noord-Brabant", "NL", "5611"},
      {"Milano", "Lombardia", "IT", "20121"},
      {"Graz", "Steiermark", "AT", "8010"},
  };
  return places;
}

const std::vector<std::string>& EnglishStems() {
  static const std::vector<std::string> stems = {
      "Pacific Coast", "Summit",  "Ironwood", "Bluewater", "Northstar", "Keystone", "Granite",
      "Silverline",    "Redwood", "Harbor",   "Alpine",    "Meridian",  "Crescent", "Vantage"};
  return stems;
}

const std::vector<std::string>& EnglishTrades() {
  static const std::vector<std::string> trades = {"Tooling",   "Precision", "Components",
                                                  "Logistics", "Plastics",  "Electronics",
                                                  "Foods",     "Automation"};
  return trades;
}

}  // namespace

CompanyName MakeCompanyName(Rng& rng, int index, std::string_view currency) {
  CompanyName c;
  const std::string serial = std::to_string(index + 1);
  if (currency == "CNY") {
    const City& city = rng.Pick(ChineseCities());
    const Brand& brand = rng.Pick(ChineseBrands());
    const Trade& trade = rng.Pick(ChineseTrades());
    const std::string short_city = std::string(city.name).substr(0, 6);  // two CJK characters
    c.name = short_city + brand.zh + trade.zh + "有限公司";
    c.legal_name =
        c.name + " (" + std::string(city.pinyin) + " " + brand.en + " no. " + serial + ")";
    c.city = city.name;
    c.region = city.region;
    c.country = "CN";
    c.postal_code = city.postal;
    c.street = std::string(city.street) + " " + std::to_string(rng.Uniform(1, 999)) + " 号";
    c.domain = std::string(brand.en) + serial + "." + city.pinyin + ".example.cn";
    c.industry = trade.industry;
    return c;
  }
  const Place& place = rng.Pick(currency == "USD" ? UsPlaces() : EuropePlaces());
  const std::string& stem = rng.Pick(EnglishStems());
  const std::string& trade = rng.Pick(EnglishTrades());
  const char* suffix = currency == "USD" ? " Inc." : (place.country[0] == 'D' ? " GmbH" : " B.V.");
  c.name = stem + " " + trade + suffix;
  c.legal_name = c.name + " (no. " + serial + ")";
  c.city = place.city;
  c.region = place.region;
  c.country = place.country;
  c.postal_code = place.postal;
  c.street = std::to_string(rng.Uniform(10, 9999)) + " Industrial Way";
  std::string slug;
  for (char ch : stem + trade) {
    if (ch != ' ') slug += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  c.domain = slug + serial + ".example.com";
  c.industry = rng.Pick(Industries());
  return c;
}

PersonName MakePersonName(Rng& rng, bool chinese) {
  static const std::vector<Brand> surnames = {
      {"王", "wang"}, {"李", "li"},   {"张", "zhang"}, {"刘", "liu"},  {"陈", "chen"},
      {"杨", "yang"}, {"赵", "zhao"}, {"黄", "huang"}, {"周", "zhou"}, {"吴", "wu"},
      {"徐", "xu"},   {"孙", "sun"},  {"马", "ma"},    {"朱", "zhu"},  {"胡", "hu"}};
  static const std::vector<Brand> given = {
      {"建国", "jianguo"},  {"晓燕", "xiaoyan"}, {"伟", "wei"},      {"芳", "fang"},
      {"磊", "lei"},        {"静", "jing"},      {"海涛", "haitao"}, {"丽娟", "lijuan"},
      {"志强", "zhiqiang"}, {"雪梅", "xuemei"},  {"俊", "jun"},      {"慧敏", "huimin"}};
  static const std::vector<std::string> first = {"Michael", "Sarah",  "David",  "Laura",
                                                 "James",   "Emma",   "Thomas", "Julia",
                                                 "Daniel",  "Sophie", "Mark",   "Anna"};
  static const std::vector<std::string> last = {"Turner",  "Becker", "Nguyen", "Rossi",
                                                "Miller",  "Dubois", "Jansen", "Walker",
                                                "Fischer", "Moreau", "Clarke", "Hughes"};
  if (chinese) {
    const Brand& s = rng.Pick(surnames);
    const Brand& g = rng.Pick(given);
    return {std::string(s.zh) + g.zh, std::string(s.en) + "." + g.en};
  }
  const std::string& f = rng.Pick(first);
  const std::string& l = rng.Pick(last);
  std::string local;
  for (char ch : f + "." + l)
    local += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  return {f + " " + l, local};
}

const std::vector<std::string>& Competitors() {
  static const std::vector<std::string> names = {"Northwind MES", "鼎捷软件 Digiwin",
                                                 "用友 Yonyou",   "SAP",
                                                 "金蝶 Kingdee",  "Siemens Opcenter"};
  return names;
}

const std::vector<std::string>& Industries() {
  static const std::vector<std::string> names = {"manufacturing", "automotive", "electronics",
                                                 "logistics",     "chemicals",  "consumer_goods",
                                                 "energy",        "retail"};
  return names;
}

}  // namespace seed::internal
