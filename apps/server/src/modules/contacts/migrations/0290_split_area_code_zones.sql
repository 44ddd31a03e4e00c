-- Area codes that span time zones (Florida's 850, Indiana's 812, Idaho's 208, …) now place a number in every
-- zone they span, separated by spaces (contacts/nanp-area-codes.ts), and quiet hours hold a contact without
-- a time_zone of its own to the window in each. Contacts placed before this were given one zone, the
-- majority zone of their area code, and the number is sealed: a contact whose region and zone are those of
-- an area code that spans zones may have that code, so it is given every zone any such code of its region
-- and zone spans (stricter, never looser, than its own code would give).
set local app.bypass_rls = 'on';

update contacts c
   set phone_time_zone = z.zones
  from (values
    ('US-AK', 'America/Anchorage', 'America/Anchorage America/Adak'),
    ('US-AL', 'America/Chicago', 'America/Chicago America/New_York'),
    ('US-AZ', 'America/Phoenix', 'America/Phoenix America/Denver'),
    ('US-FL', 'America/Chicago', 'America/Chicago America/New_York'),
    ('US-ID', 'America/Boise', 'America/Boise America/Los_Angeles'),
    ('US-IN', 'America/Indiana/Indianapolis', 'America/Indiana/Indianapolis America/Chicago'),
    ('US-IN', 'America/Chicago', 'America/Chicago America/Indiana/Indianapolis'),
    ('US-KS', 'America/Chicago', 'America/Chicago America/Denver'),
    ('US-KY', 'America/Chicago', 'America/Chicago America/New_York'),
    ('US-KY', 'America/New_York', 'America/New_York America/Chicago'),
    ('US-MI', 'America/Detroit', 'America/Detroit America/Menominee'),
    ('US-ND', 'America/Chicago', 'America/Chicago America/Denver'),
    ('US-NE', 'America/Chicago', 'America/Chicago America/Denver'),
    ('US-NV', 'America/Los_Angeles', 'America/Los_Angeles America/Denver'),
    ('US-OK', 'America/Chicago', 'America/Chicago America/Denver'),
    ('US-OR', 'America/Los_Angeles', 'America/Los_Angeles America/Boise'),
    ('US-SD', 'America/Chicago', 'America/Chicago America/Denver'),
    ('US-TN', 'America/New_York', 'America/New_York America/Chicago'),
    ('CA-BC', 'America/Vancouver', 'America/Vancouver America/Edmonton America/Dawson_Creek'),
    ('CA-NL', 'America/St_Johns', 'America/St_Johns America/Goose_Bay'),
    ('CA-ON', 'America/Toronto', 'America/Toronto America/Winnipeg'),
    ('CA-QC', 'America/Toronto', 'America/Toronto America/Halifax America/Blanc-Sablon'),
    ('CA-SK', 'America/Regina', 'America/Regina America/Edmonton America/Winnipeg'),
    ('CA-NT', 'America/Edmonton', 'America/Edmonton America/Whitehorse America/Iqaluit America/Rankin_Inlet')
  ) as z(region, zone, zones)
 where c.region = z.region and c.phone_time_zone = z.zone;
