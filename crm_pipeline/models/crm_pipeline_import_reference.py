"""Import of the Maven reference files: products, sales teams and accounts."""

import re

from odoo import Command
from odoo.tools import float_compare

from .crm_pipeline_import_tools import RowRejected, login_from_name, spacing_key

# Misspellings found in the Maven sample; each one is reported as a fix.
SECTOR_ALIASES = {"technolgy": "Technology"}
COUNTRY_ALIASES = {"philipines": "PH", "korea": "KR"}
# Columns containing names, made safe against spreadsheet formulas.
TEAM_TEXT_COLUMNS = ("sales_agent", "manager", "regional_office")
ACCOUNT_TEXT_COLUMNS = ("account", "sector", "office_location", "subsidiary_of")


class ReferenceDataImporter:
    """Products, salespeople with their sales teams, and companies of the Maven files.

    Mixed into PipelineImporter, which provides ``env``, ``company`` and the
    reporting and parsing helpers used here.
    """

    def import_products(self, csv_file):
        """Create or update the products of a Maven products.csv file.

        :return: dict spacing_key(name) -> (product.product, name)
        """
        Product = self.env["product.product"].with_context(active_test=False)
        accepted = {}
        for row_number, row in csv_file.rows:
            price_text = row[csv_file.column("sales_price")]
            try:
                name = self._text(csv_file, row_number, "product",
                                  row[csv_file.column("product")])
                if not name:
                    raise RowRejected("product", name, self.env._("product is empty"))
                price = self._parse_amount("sales_price", price_text)
            except RowRejected as error:
                self._reject(csv_file, row_number, error.column, error.value, error.message)
                continue
            accepted[spacing_key(name)] = (name, price or 0.0)

        products = self._existing_products()
        to_create = []
        for key, (name, price) in accepted.items():
            product = products.get(key, (Product, None))[0]
            if product:
                if float_compare(product.lst_price, price, precision_digits=2):
                    product.product_tmpl_id.list_price = price
            else:
                to_create.append({"name": name, "list_price": price, "sale_ok": True})
        if to_create:
            for product in Product.create(to_create):
                products[spacing_key(product.name)] = (product, product.name)
        return products

    def _existing_products(self):
        products = self.env["product.product"].search([
            ("sale_ok", "=", True),
            ("company_id", "in", [self.company.id, False]),
        ])
        return {spacing_key(product.name): (product, product.name) for product in products}

    def import_teams(self, csv_file):
        """Create the salespeople, their managers and one sales team per regional office.

        :return: dict name -> (res.users, crm.team or empty recordset)
        """
        agent_office = {}
        office_managers = {}
        managers = set()
        for row_number, row in csv_file.rows:
            try:
                agent, manager, office = (
                    self._text(csv_file, row_number, column, row[csv_file.column(column)])
                    for column in TEAM_TEXT_COLUMNS
                )
            except RowRejected as error:
                self._reject(csv_file, row_number, error.column, error.value, error.message)
                continue
            if not agent:
                self._reject(csv_file, row_number, "sales_agent", agent,
                             self.env._("sales_agent is empty"))
                continue
            if not office:
                self._fix(csv_file, row_number, "regional_office", office, self.env._(
                    "regional_office is empty: %(agent)s is in no sales team", agent=agent))
            agent_office[agent] = office
            if manager:
                managers.add(manager)
                if office:
                    office_managers.setdefault(office, [])
                    if manager not in office_managers[office]:
                        office_managers[office].append(manager)
        for office, office_manager_names in office_managers.items():
            for manager in office_manager_names:
                agent_office.setdefault(manager, office)

        users = self._get_or_create_users(agent_office, managers)
        teams = self._get_or_create_teams(office_managers, agent_office, users)
        return {
            name: (users[name], teams.get(office, self.env["crm.team"]))
            for name, office in agent_office.items()
        }

    def _get_or_create_users(self, names, manager_names):
        """Return dict name -> res.users, creating internal salespeople as needed.

        Managers see all the documents of their team (sales group 'All
        Documents'), agents only their own.
        """
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        logins = {name: login_from_name(name) for name in names}
        users = Users.search([("login", "in", list(logins.values()))])
        existing = {user.login: user for user in users}
        salesman = self.env.ref("sales_team.group_sale_salesman")
        all_leads = self.env.ref("sales_team.group_sale_salesman_all_leads")
        # A salesperson must be allowed in the company of the deals.
        outside = Users.browse([user.id for user in existing.values()
                                if self.company not in user.company_ids])
        if outside:
            outside.write({"company_ids": [Command.link(self.company.id)]})
        to_create = []
        for name, login in logins.items():
            if login in existing or not login:
                continue
            group = all_leads if name in manager_names else salesman
            to_create.append({
                "name": name,
                "login": login,
                "company_id": self.company.id,
                "company_ids": [Command.link(self.company.id)],
                "groups_id": [Command.link(group.id)],
            })
        if to_create:
            created = Users.with_context(
                no_reset_password=True, mail_create_nosubscribe=True, mail_create_nolog=True,
            ).create(to_create)
            existing.update({user.login: user for user in created})
        return {name: existing.get(login, Users.browse()) for name, login in logins.items()}

    def _get_or_create_teams(self, office_managers, agent_office, users):
        """Return dict office -> crm.team; the office's first manager leads the team."""
        Team = self.env["crm.team"].with_context(active_test=False, mail_create_nosubscribe=True)
        offices = list(office_managers)
        teams = {}
        for team in Team.search([("company_id", "in", [self.company.id, False])]):
            if team.name in offices and team.name not in teams:
                teams[team.name] = team
        for office in offices:
            members = users[office_managers[office][0]]
            for name, agent_office_name in agent_office.items():
                if agent_office_name == office:
                    members |= users[name]
            team = teams.get(office)
            if not team:
                team = Team.create({
                    "name": office,
                    "company_id": self.company.id,
                    "user_id": users[office_managers[office][0]].id,
                })
                teams[office] = team
            missing = members - team.member_ids
            if missing:
                team.write({"crm_team_member_ids": [
                    Command.create({"user_id": user.id}) for user in missing
                ]})
        return teams

    def import_accounts(self, csv_file):
        """Create or update one company per row of a Maven accounts.csv file.

        :return: dict casefolded name -> res.partner
        """
        # Names are matched in English, the language of the sample files, and
        # in the language of the importing user.
        countries = {}
        industries = {}
        for lang in {"en_US", self.env.lang or "en_US"}:
            for country in self.env["res.country"].with_context(lang=lang).search([]):
                countries.setdefault(country.name.casefold(), country)
            for industry in self.env["res.partner.industry"].with_context(lang=lang).search([]):
                industries.setdefault(industry.name.casefold(), industry)
        country_codes = {country.code: country for country in countries.values()}
        col = csv_file.column
        accepted = []
        first_row_of_name = {}
        for row_number, row in csv_file.rows:
            try:
                name = self._clean_account_row(csv_file, row_number, row)
                if name and name.casefold() in first_row_of_name:
                    raise RowRejected("account", name, self.env._(
                        "account '%(value)s' already appears on row %(row)s",
                        value=name, row=first_row_of_name[name.casefold()]))
                accepted.append(self._check_account_row(
                    csv_file, row_number, row, countries, country_codes, industries))
            except RowRejected as error:
                self._reject(csv_file, row_number, error.column, error.value, error.message)
                continue
            first_row_of_name[name.casefold()] = row_number

        partners = self._existing_companies([values["name"] for values, _parent in accepted])
        Partner = self.env["res.partner"].with_context(mail_create_nosubscribe=True)
        to_create = []
        for values, _parent in accepted:
            partner = partners.get(values["name"].casefold())
            if partner:
                changed = {key: value for key, value in values.items()
                           if (partner[key].id if key.endswith("_id") else partner[key]) != value}
                if changed:
                    partner.write(changed)
            else:
                to_create.append(values)
        if to_create:
            for partner in Partner.create(to_create):
                partners[partner.name.casefold()] = partner

        # Parent companies last, because a parent can come after its subsidiary.
        # Setting a parent copies the parent's address over the subsidiary's,
        # so the subsidiary's own country is written again afterwards.
        for values, parent_name in accepted:
            partner = partners[values["name"].casefold()]
            parent = partners.get(parent_name.casefold()) if parent_name else None
            if parent_name and not parent:
                row_number = next(number for number, row in csv_file.rows
                                  if row[col("account")] == values["name"])
                self._fix(csv_file, row_number, "subsidiary_of", parent_name, self.env._(
                    "subsidiary_of '%(parent)s' is not in the file: no parent company set",
                    parent=parent_name))
            if parent and partner.parent_id != parent and parent != partner:
                partner.write({"parent_id": parent.id})
                if partner.country_id.id != values["country_id"]:
                    partner.write({"country_id": values["country_id"]})
        return partners

    def _clean_account_row(self, csv_file, row_number, row):
        """Make the text cells of ``row`` safe (see ``_text``) in place; return the name.

        The row is changed in place because later steps read its cells again.
        """
        for column in ACCOUNT_TEXT_COLUMNS:
            header = csv_file.column(column)
            row[header] = self._text(csv_file, row_number, column, row[header])
        return row[csv_file.column("account")]

    def _check_account_row(self, csv_file, row_number, row, countries, country_codes, industries):
        col = csv_file.column
        name = row[col("account")]
        if not name:
            raise RowRejected("account", name, self.env._("account is empty"))
        sector = row[col("sector")]
        industry = self.env["res.partner.industry"]
        if sector:
            industry_name = SECTOR_ALIASES.get(sector.casefold())
            if industry_name:
                self._fix(csv_file, row_number, "sector", sector, self.env._(
                    "sector '%(sector)s' read as '%(industry)s'",
                    sector=sector, industry=industry_name))
            else:
                industry_name = sector[:1].upper() + sector[1:]
            industry = industries.get(industry_name.casefold())
            if not industry:
                # Industries are shared configuration that sales managers
                # cannot create themselves.
                industry = self.env["res.partner.industry"].sudo().create(
                    {"name": industry_name})
                industries[industry_name.casefold()] = industry

        location = row[col("office_location")]
        country = countries.get(location.casefold()) if location else None
        if location and not country:
            country = country_codes.get(COUNTRY_ALIASES.get(location.casefold()))
            if country:
                self._fix(csv_file, row_number, "office_location", location, self.env._(
                    "office_location '%(value)s' read as '%(country)s'",
                    value=location, country=country.name))
            else:
                self._fix(csv_file, row_number, "office_location", location, self.env._(
                    "office_location '%(value)s' is not a known country: no country set",
                    value=location))

        numbers = {}
        for column, field_name in (("employees", "crm_employee_count"),
                                   ("year_established", "crm_year_established")):
            text = row[col(column)]
            if text and not re.fullmatch(r"[0-9]{1,9}", text):
                raise RowRejected(column, text, self.env._(
                    "%(column)s '%(value)s' is not a whole number below one billion",
                    column=column, value=text))
            numbers[field_name] = int(text) if text else 0
        revenue = self._parse_amount("revenue", row[col("revenue")])
        values = {
            "name": name,
            "is_company": True,
            "industry_id": industry.id or False,
            "country_id": country.id if country else False,
            "crm_annual_revenue": revenue or 0.0,
            **numbers,
        }
        return values, row[col("subsidiary_of")]

    def _existing_companies(self, names):
        partners = self.env["res.partner"].search([
            ("is_company", "=", True),
            ("name", "in", names),
            ("company_id", "in", [self.company.id, False]),
        ])
        found = {}
        for partner in partners:
            found.setdefault(partner.name.casefold(), partner)
        return found
