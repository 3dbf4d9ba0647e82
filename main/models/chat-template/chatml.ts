/**
 * The built-in model's chat template: ChatML, as Qwen uses it, without a default system prompt (the CoD prompts
 * bring their own). Every message is `<|im_start|>{role}\n{content}<|im_end|>\n`; the generation prompt is
 * `<|im_start|>assistant\n`, so an assistant turn is generated as `{content}<|im_end|>`.
 */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export const CHATML_END_TOKEN = '<|im_end|>';
