// A state-changing button: a POST form with the session's CSRF token behind a disclosure, so the
// confirmation needs no JavaScript (open it, read what will happen, confirm) and works by keyboard.

export interface ActionFormProps {
  action: string;
  csrfToken: string;
  label: string;
  /** What confirming does, in words. */
  confirm: string;
  /** Ask for a reason (recorded with the action). */
  reason?: 'optional' | 'required';
  danger?: boolean;
}

export function ActionForm(props: ActionFormProps) {
  return (
    <details class={props.danger ? 'action-form danger' : 'action-form'}>
      <summary>{props.label}</summary>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <p>{props.confirm}</p>
        {props.reason ? (
          <label>
            {props.reason === 'required' ? 'Reason' : 'Reason (optional)'}
            <textarea name="reason" rows={2} maxlength={500} required={props.reason === 'required'}></textarea>
          </label>
        ) : null}
        <button type="submit" class={props.danger ? 'danger' : undefined}>
          {`Confirm ${props.label}`}
        </button>
      </form>
    </details>
  );
}
