/**
 * Sets and groups: which documents are in which set, which groups and devices each set reaches, who is in
 * each group. Creating, adding and assigning go through the same API calls as the CLI.
 */
import { badge, facts, h, show, table } from './dom.js';
import { routeHash } from './model.js';

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._ \\-]{0,127}';

/** A one-line form: a name (and optional description) and a button; `submit` gets the trimmed values. */
function createForm(label, submit) {
  const name = h('input', {
    required: true,
    pattern: NAME_PATTERN,
    placeholder: 'name',
    'aria-label': `${label} name`,
  });
  const description = h('input', { placeholder: 'description (optional)', 'aria-label': `${label} description` });
  return h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (e) => {
        e.preventDefault();
        submit(name.value.trim(), description.value.trim() || null);
      },
    },
    name,
    description,
    h('button', { type: 'submit' }, `Create ${label}`),
  );
}

/** A select of `options` and a button; `submit` gets the chosen value. */
function pickForm(label, options, submit) {
  const select = h(
    'select',
    { required: true, 'aria-label': label },
    h('option', { value: '' }, `${label}…`),
    options.map((o) => h('option', { value: o.value }, o.text)),
  );
  return h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (e) => {
        e.preventDefault();
        if (select.value) submit(select.value);
      },
    },
    select,
    h('button', { type: 'submit', disabled: options.length === 0 }, 'Add'),
  );
}

const link = (view, id) => h('a', { href: routeHash({ view, id }) }, id);
const removeButton = (ctx, what, action) =>
  h('button', { type: 'button', class: 'small', onclick: () => ctx.run(action), title: `Remove ${what}` }, 'Remove');

/** Breadcrumb, title, description and the confirmed delete action that a set's and a group's pages share. */
function collectionHead(ctx, { list: [listView, listLabel], noun, item, consequence, remove }) {
  const del = () =>
    ctx.run(async () => {
      const ok = await ctx.confirm({
        title: `Delete ${noun} ${item.name}?`,
        text: consequence,
        confirm: `Delete ${noun}`,
      });
      if (!ok) return;
      await remove();
      ctx.notice(`${noun[0].toUpperCase()}${noun.slice(1)} ${item.name} deleted.`);
      ctx.go({ view: listView });
    });
  return [
    h('p', { class: 'crumbs' }, h('a', { href: routeHash({ view: listView }) }, listLabel), ' / '),
    h('h1', {}, item.name),
    item.description ? h('p', {}, item.description) : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: del }, `Delete ${noun}…`)),
  ];
}

export async function renderSets(ctx) {
  const sets = await ctx.client.sets();
  show(
    ctx.el,
    h('h1', {}, 'Sets'),
    h(
      'p',
      { class: 'hint' },
      'A device’s desired documents are the union of every set reaching it, directly or by group.',
    ),
    createForm('set', (name, description) =>
      ctx.run(async () => {
        await ctx.client.putSet(name, description);
        ctx.go({ view: 'sets', id: name });
      }),
    ),
    table(
      // `devices` are the set's direct assignments, not every device it reaches through its groups.
      ['Set', 'Description', 'Documents', 'Groups', 'Devices (direct)'],
      sets.map((s) => [
        link('sets', s.name),
        s.description ?? '',
        String(s.documents.length),
        s.groups.map((g, i) => [i ? ', ' : '', link('groups', g)]),
        String(s.devices.length),
      ]),
      { numeric: [2, 4], empty: 'No sets yet.' },
    ),
  );
}

export async function renderSet(ctx, name) {
  const c = ctx.client;
  const [s, docs, groups] = await Promise.all([c.set(name), c.documents(), c.groups()]);
  const byId = new Map(docs.items.map((d) => [d.id.toLowerCase(), d]));
  const label = (id) => byId.get(id.toLowerCase())?.name || id;
  const after = (msg) => async () => {
    ctx.notice(msg);
    await ctx.refresh();
  };
  show(
    ctx.el,
    ...collectionHead(ctx, {
      list: ['sets', 'Sets'],
      noun: 'set',
      item: s,
      consequence:
        'Its documents leave every device the set reached (unless another set still reaches it); the settings they applied stay on the devices.',
      remove: () => c.deleteSet(s.name),
    }),
    h('h2', {}, 'Documents'),
    table(
      ['Document', 'ID', ''],
      s.documents.map((id) => [
        h('a', { href: routeHash({ view: 'documents', id }) }, label(id)),
        h('code', {}, id),
        removeButton(ctx, id, async () => {
          await c.removeFromSet(s.name, id);
          await after('Document removed from the set; devices drop it at their next session.')();
        }),
      ]),
      { empty: 'No documents in this set.' },
    ),
    pickForm(
      'Add a document',
      docs.items
        .filter((d) => !s.documents.some((x) => x.toLowerCase() === d.id.toLowerCase()))
        .map((d) => ({ value: d.id, text: d.name ? `${d.name} (${d.id})` : d.id })),
      (id) =>
        ctx.run(async () => {
          await c.addToSet(s.name, id);
          await after('Document added; devices the set reaches get it at their next session.')();
        }),
    ),
    h('h2', {}, 'Assigned to groups'),
    table(
      ['Group', ''],
      s.groups.map((g) => [
        link('groups', g),
        removeButton(ctx, g, async () => {
          await c.unassignFromGroup(s.name, g);
          await after(`Set unassigned from ${g}.`)();
        }),
      ]),
      { empty: 'Not assigned to any group.' },
    ),
    pickForm(
      'Assign to a group',
      groups.filter((g) => !s.groups.includes(g.name)).map((g) => ({ value: g.name, text: g.name })),
      (g) =>
        ctx.run(async () => {
          await c.assignToGroup(s.name, g);
          await after(`Set assigned to ${g}.`)();
        }),
    ),
    h('h2', {}, 'Assigned to devices'),
    table(
      ['Device'],
      s.devices.map((d) => [link('devices', d)]),
      { empty: 'Not assigned to any device directly.' },
    ),
  );
}

export async function renderGroups(ctx) {
  const groups = await ctx.client.groups();
  show(
    ctx.el,
    h('h1', {}, 'Groups'),
    h(
      'p',
      { class: 'hint' },
      'Devices join a group by hand or by its rule; sets assigned to a group reach its members.',
    ),
    createForm('group', (name, description) =>
      ctx.run(async () => {
        await ctx.client.putGroup(name, description);
        ctx.go({ view: 'groups', id: name });
      }),
    ),
    table(
      ['Group', 'Description', 'Rule', 'Settings'],
      groups.map((g) => [
        link('groups', g.name),
        g.description ?? '',
        g.hasRules ? badge('rule', 'info') : '—',
        g.hasSettings ? badge('settings', 'info') : '—',
      ]),
      { empty: 'No groups yet.' },
    ),
  );
}

export async function renderGroup(ctx, name) {
  const c = ctx.client;
  const g = await c.group(name);
  const deviceId = h('input', { required: true, placeholder: 'DeviceID', 'aria-label': 'DeviceID to add' });
  show(
    ctx.el,
    ...collectionHead(ctx, {
      list: ['groups', 'Groups'],
      noun: 'group',
      item: g,
      consequence: 'The sets assigned to it leave its devices (settings they applied stay on the devices).',
      remove: () => c.deleteGroup(g.name),
    }),
    facts([
      ['Sets', g.sets.length ? g.sets.map((s, i) => [i ? ', ' : '', link('sets', s)]) : 'none'],
      ['Rule', g.rules ? h('pre', {}, JSON.stringify(g.rules, null, 2)) : 'none (members are added by hand)'],
      ['Settings', g.settings ? h('pre', {}, JSON.stringify(g.settings, null, 2)) : 'none'],
    ]),
    h('h2', {}, `Members (${g.members.length})`),
    table(
      ['Device', 'Source', ''],
      g.members.map((m) => [
        link('devices', m.deviceId),
        m.source,
        removeButton(ctx, m.deviceId, async () => {
          const r = await c.removeMember(g.name, m.deviceId);
          ctx.notice(r.note ?? `${m.deviceId} removed.`);
          await ctx.refresh();
        }),
      ]),
      { empty: 'No members.' },
    ),
    h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (e) => {
          e.preventDefault();
          ctx.run(async () => {
            await c.addMember(g.name, deviceId.value.trim());
            ctx.notice(`${deviceId.value.trim()} added.`);
            await ctx.refresh();
          });
        },
      },
      deviceId,
      h('button', { type: 'submit' }, 'Add device'),
    ),
  );
}
